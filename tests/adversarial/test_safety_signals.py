"""Issue 13 — signals during a write: SIGTERM and SIGINT sent to a real ``python -m citymatch``
process while it writes an output remove the temporary file, leave the target exactly as it
was (same bytes, or still absent) and end the process with 128 + the signal number.

The writer is held mid-write by the test-only hook ``CITYMATCH_TEST_SLOW_WRITE`` (seconds
:func:`citymatch._util.atomic_output` sleeps with the data in its temporary file, just before
the rename); one test signals a streamed ranking of a large input without the hook.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import citymatch
from helpers import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SRC = str(Path(citymatch.__file__).resolve().parents[1])
CITIES = ROOT / "examples" / "data" / "cities.csv"
REGISTER = ROOT / "examples" / "register"


def _default_signals() -> None:
    """In the child: default handlers, whatever the runner ignores (``nohup``, a job run
    with ``&`` ignores SIGHUP / SIGINT and children inherit that)."""
    for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(s, signal.SIG_DFL)


def _start(args: list[str], cwd: Path, *, slow: bool = True) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    env.pop("CITYMATCH_TEST_SLOW_WRITE", None)
    if slow:
        env["CITYMATCH_TEST_SLOW_WRITE"] = "60"
    return subprocess.Popen(
        [sys.executable, "-m", "citymatch", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )


def _temporaries(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.*.tmp"))


def _wait_mid_write(proc: subprocess.Popen[str], target: Path, timeout: float = 120) -> None:
    """Wait until the process has a non-empty temporary file beside ``target``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tmps = _temporaries(target)
        if tmps and any(p.exists() and p.stat().st_size > 0 for p in tmps):
            return
        if proc.poll() is not None:
            _out, err = proc.communicate()
            pytest.fail(f"finished before the signal (exit {proc.returncode}): {err}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no temporary file appeared")


def _signal_mid_write(
    args: list[str], target: Path, sig: signal.Signals, *, slow: bool = True
) -> tuple[int, str]:
    proc = _start(args, target.parent, slow=slow)
    try:
        _wait_mid_write(proc, target)
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


CASES = {
    "rank --output": (
        ["rank", "cities.csv", "--criteria", "partnership-city", "--format", "csv"],
        "--output",
        "out.csv",
    ),
    "report --output": (["report", str(REGISTER), "--year", "2025"], "--output", "report.md"),
    "streamed --scores": (
        ["rank", "x", "--stream", "--criteria", "partnership-city", "--top", "3"],
        "--scores",
        "scores.parquet",
    ),
}


@pytest.fixture
def workdir(tmp_path):
    """cities.csv and a Parquet folder ``x`` of the cities in tmp_path."""
    (tmp_path / "cities.csv").write_bytes(CITIES.read_bytes())
    (tmp_path / "x").mkdir()
    pd.read_csv(CITIES).to_parquet(tmp_path / "x" / "c.parquet", index=False)
    return tmp_path


@pytest.mark.parametrize(
    ("case", "existing", "sig"),
    [
        ("rank --output", True, signal.SIGTERM),
        ("rank --output", False, signal.SIGINT),
        ("report --output", False, signal.SIGTERM),
        ("report --output", True, signal.SIGINT),
        ("streamed --scores", True, signal.SIGTERM),
        ("streamed --scores", False, signal.SIGINT),
        ("rank --output", True, signal.SIGHUP),
    ],
    ids=lambda v: getattr(v, "name", None) or {True: "replacing", False: "new"}.get(v, v),
)
def test_signal_mid_write_leaves_target_as_it_was(workdir, case, existing, sig):
    """A signal while the command writes: exit 128 + signal, one line on stderr, no temporary
    file, and the target holds its old bytes (or is still absent)."""
    args, flag, name = CASES[case]
    target = workdir / name
    if existing:
        target.write_bytes(b"old content\n")
    code, err = _signal_mid_write([*args, flag, name], target, sig)
    assert code == 128 + sig, err
    assert err.strip() == (
        f"citymatch: interrupted by {sig.name}; unfinished output removed, existing files "
        "left as they were."
    )
    assert _temporaries(target) == []
    if existing:
        assert target.read_bytes() == b"old content\n"
    else:
        assert not target.exists()


def test_sigterm_during_a_large_streamed_ranking(tmp_path):
    """Without the test hook: SIGTERM while a streamed ranking of a large Parquet input writes
    its scores leaves no temporary Parquet (it grew to megabytes) and no target; exit 143."""
    cities = pd.read_csv(CITIES)
    big = pd.concat([cities] * (60_000 // len(cities)), ignore_index=True)
    big["id"] = [f"c{i}" for i in range(len(big))]
    (tmp_path / "x").mkdir()
    big.to_parquet(tmp_path / "x" / "big.parquet", index=False, row_group_size=2_000)
    target = tmp_path / "scores.parquet"
    args = ["rank", "x", "--stream", "--criteria", "partnership-city", "--chunk-rows", "500"]
    code, err = _signal_mid_write(
        [*args, "--scores", target.name], target, signal.SIGTERM, slow=False
    )
    assert code == 143, err
    assert _temporaries(target) == [] and not target.exists()


# ------------------------------------------------------------------ the wrapper, in process
def test_importing_citymatch_installs_no_signal_handler():
    """Importing the library (CLI and register included) leaves every signal handler alone."""
    code = (
        "import signal\n"
        "sigs = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)\n"
        "before = [signal.getsignal(s) for s in sigs]\n"
        "import citymatch, citymatch.cli, citymatch.cli.guard, citymatch.agreements\n"
        "assert [signal.getsignal(s) for s in sigs] == before\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_wrapper_installs_only_while_running_and_respects_ignored_signals():
    """During a command SIGTERM/SIGINT are handled; an ignored SIGHUP stays ignored; every
    handler is restored afterwards; ``serve`` runs with the handlers untouched."""
    from citymatch.cli.guard import handling_signals

    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # start from the default handlers, whatever the runner ignores (nohup, `&`)
    old = {s: signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
        seen = {}

        @handling_signals
        def run(argv=None):
            seen.update({s: signal.getsignal(s) for s in (*before, signal.SIGHUP)})
            return 0

        assert run(["rank"]) == 0
        assert all(callable(seen[s]) and seen[s] is not before[s] for s in before)
        assert seen[signal.SIGHUP] is signal.SIG_IGN
        assert {s: signal.getsignal(s) for s in before} == before
        seen.clear()
        assert run(["serve"]) == 0
        assert {s: seen[s] for s in before} == before
    finally:
        signal.signal(signal.SIGHUP, old_hup)
        for s, h in old.items():
            signal.signal(s, h)


def test_sigterm_inside_the_atomic_write_in_process(tmp_path, capsys):
    """SIGTERM delivered to this process inside the atomic write: the wrapper returns 143, the
    target keeps its old bytes and no temporary is left (deterministic, no subprocess)."""
    from citymatch._util import atomic_output
    from citymatch.cli.guard import handling_signals

    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")

    @handling_signals
    def run(argv=None):
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"half")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        return 0

    start = time.monotonic()
    assert run(["rank"]) == 143
    assert time.monotonic() - start < 4
    assert "interrupted by SIGTERM" in capsys.readouterr().err
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
