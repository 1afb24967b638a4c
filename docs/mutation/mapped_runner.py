"""Run mutmut's mutants in ONE process, each against only the tests that reach its function.

A faster sibling of ``focused_runner.py`` (session 5).  Step 1 runs the test subset once with
``MUTANT_UNDER_TEST=stats`` (mutmut's own switch: every mutated function records its name when
called) and keeps, per test, the functions it reached (setup, call and teardown) and its
duration.  Hits made while a fixture is set up are kept per fixture and counted for every
test that uses that fixture (a session-scoped fixture is set up once, during its first test).
Step 2 runs, for each mutant, only the tests that reached the mutated function, fastest
first, stopping at the first failure (``-x``) — what ``mutmut run`` does with its own stats.
A mutant whose function no test of the subset reaches is ``no-tests``.  A ``survived`` means
"survived every test of the subset that reaches it".

Hypothesis runs derandomised (as under ``CI``) but with ``deadline=None`` (a kill means a
wrong answer or an error, never a slow example) and without shrinking (a failing example is
enough to call the mutant killed; shrinking it took ~30 s a mutant).

    cd <worktree> && PYTHONPATH=$PWD/mutants/src nice -n 15 \\
        /work/venv/bin/python docs/mutation/mapped_runner.py NAMES_FILE TEST_PATH... >/dev/null

NAMES_FILE: one mutant name a line; results are appended to NAMES_FILE.results as
``name killed|survived|no-tests|timeout seconds`` (timeout: a run still going after 120 s;
before session 6 such a run was written as ``killed``, pytest having reported the alarm as a
failing test: read any ``killed`` of 120 s or more in older result files as ``timeout``).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Generator
from typing import Any

import pytest

LIMIT_S = 120


class _Timeout(BaseException):
    pass


def _alarm(_sig: int, _frame: object) -> None:
    raise _Timeout


class _HitMap:
    """A pytest plugin: which mutated functions each test reached, and how long it took."""

    def __init__(self) -> None:
        self.hits: dict[str, set[str]] = defaultdict(set)
        self.seconds: dict[str, float] = {}
        self.fixture_hits: dict[str, set[str]] = defaultdict(set)

    def pytest_configure(self, config: Any) -> None:
        # imported here: imported before pytest.main, hypothesis would escape assertion rewriting
        from hypothesis import Phase, settings

        settings.register_profile(
            "mutation",
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a kill is a kill
        )
        settings.load_profile("mutation")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Generator[None, None, None]:
        from mutmut.state import state

        outer = set(state()._stats)
        state()._stats.clear()
        yield
        inner = set(state()._stats)
        self.fixture_hits[fixturedef.argname] |= inner
        state()._stats.clear()
        state()._stats.update(outer | inner)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Generator[None, None, None]:
        from mutmut.state import state

        state()._stats.clear()
        start = time.monotonic()
        yield
        self.seconds[item.nodeid] = time.monotonic() - start
        self.hits[item.nodeid] |= set(state()._stats)
        for name in getattr(item, "fixturenames", ()):
            self.hits[item.nodeid] |= self.fixture_hits.get(name, set())


def _run(args: list[str], mutant: str) -> str:
    os.environ["MUTANT_UNDER_TEST"] = mutant
    start = time.monotonic()
    signal.alarm(LIMIT_S)
    try:
        return "survived" if pytest.main(args) == 0 else "killed"
    except _Timeout:
        return "timeout"
    except Exception:  # e.g. the alarm raised inside a gc callback, reported at unconfigure
        return "timeout" if time.monotonic() - start >= LIMIT_S - 1 else "error"
    finally:
        signal.alarm(0)


def main() -> int:
    names_file, tests = sys.argv[1], sys.argv[2:]
    os.environ.pop("CI", None)  # the conftest would load its "ci" profile (deadline 200 ms)
    with open(names_file) as f:
        names = [line.strip() for line in f if line.strip()]
    done_file = names_file + ".results"
    done = set()
    if os.path.exists(done_file):
        with open(done_file) as f:
            done = {line.split()[0] for line in f if line.strip()}
    base = ["-q", "-x", "-p", "no:cacheprovider", "--no-header", "--tb=no"]
    hitmap = _HitMap()
    os.environ["MUTANT_UNDER_TEST"] = "stats"
    if pytest.main([*base, *tests], plugins=[hitmap]) != 0:
        print("clean run failed", file=sys.stderr)
        return 1
    by_function: dict[str, list[str]] = defaultdict(list)
    for nodeid in sorted(hitmap.seconds, key=hitmap.seconds.__getitem__):
        for fn in hitmap.hits[nodeid]:
            by_function[fn].append(nodeid)
    signal.signal(signal.SIGALRM, _alarm)
    with open(done_file, "a") as out:
        for name in names:
            if name in done:
                continue
            start = time.monotonic()
            reach = by_function.get(name.partition("__mutmut_")[0], [])
            if not reach:
                status = "no-tests"
            else:
                status = _run([*base, *reach], name)
            took = time.monotonic() - start
            if took >= LIMIT_S - 1:  # pytest reports the alarm inside a test as a failure
                status = "timeout"
            out.write(f"{name} {status} {took:.1f}\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
