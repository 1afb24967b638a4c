"""Run mutmut's mutants against a small test subset in ONE process (no fork, no re-import).

Used where ``mutmut run`` was too slow on the shared machine: mutmut maps every test that
reaches ``topsis`` to its mutants (~400 tests, minutes per survivor).  The mutants are
mutmut's own (``mutants/src``, created by ``mutmut run``); its trampoline reads
``MUTANT_UNDER_TEST`` on every call, so one process can switch mutants between pytest runs.

    cd <worktree> && PYTHONPATH=$PWD/mutants/src CI=true nice -n 15 \\
        /work/venv/bin/python docs/mutation/focused_runner.py NAMES_FILE TEST_PATH... >/dev/null

NAMES_FILE: one mutant name a line; results are appended to NAMES_FILE.results as
``name killed|survived|timeout seconds`` (timeout: still running after 120 s of wall time).
"""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

LIMIT_S = 120


class _Timeout(BaseException):
    pass


def _alarm(_sig: int, _frame: object) -> None:
    raise _Timeout


def main() -> int:
    names_file, tests = sys.argv[1], sys.argv[2:]
    with open(names_file) as f:
        names = [line.strip() for line in f if line.strip()]
    done_file = names_file + ".results"
    done = set()
    if os.path.exists(done_file):
        with open(done_file) as f:
            done = {line.split()[0] for line in f if line.strip()}
    args = ["-q", "-x", "-p", "no:cacheprovider", "--no-header", "--tb=no", *tests]
    os.environ["MUTANT_UNDER_TEST"] = ""
    if pytest.main(args) != 0:
        print("clean run failed", file=sys.stderr)
        return 1
    signal.signal(signal.SIGALRM, _alarm)
    with open(done_file, "a") as out:
        for name in names:
            if name in done:
                continue
            os.environ["MUTANT_UNDER_TEST"] = name
            start = time.monotonic()
            signal.alarm(LIMIT_S)
            try:
                status = "survived" if pytest.main(args) == 0 else "killed"
            except _Timeout:
                status = "timeout"
            finally:
                signal.alarm(0)
            took = time.monotonic() - start
            if took >= LIMIT_S - 1:
                status = "timeout"
            out.write(f"{name} {status} {took:.1f}\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
