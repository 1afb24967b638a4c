"""Issue 13 — lost updates in the agreement register: two real processes save at once.

Each trial gives two worker processes the same freshly loaded register and releases them
together; of the two saves exactly one succeeds and the other raises
``ConcurrentModificationError``, and the file holds the winner's content (never the loser's,
never a torn mix).  The workers are long-lived subprocesses so that many trials fit in a few
seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import citymatch
from citymatch import agreements as ag
from citymatch._util import file_lock
from citymatch.agreements.register import LOCK_FILE
from citymatch.errors import ConcurrentModificationError
from citymatch.models.agreement import Agreement

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process model")

TRIALS = 30
SRC = str(Path(citymatch.__file__).resolve().parents[1])

#: One worker: per trial, load the register, build the agreement, say "ready", wait for "go",
#: save, and report "ok" or "conflict <message>" (anything else is a failure of the test).
WORKER = textwrap.dedent(
    """
    import json, sys
    from datetime import date
    from citymatch import agreements as ag
    from citymatch.errors import ConcurrentModificationError
    from citymatch.models.agreement import Agreement

    for line in sys.stdin:
        job = json.loads(line)
        reg = ag.load_register(job["folder"])
        if job["id"] in reg:
            new = reg[job["id"]].model_copy(update={"owner": job["owner"]})
        else:
            new = Agreement.model_validate({
                "id": job["id"], "partners": ["x"], "class": "Partnership",
                "start": date(2024, 1, 1), "owner": job["owner"],
            })
        print("ready", flush=True)
        assert sys.stdin.readline() == "go\\n"
        try:
            reg.save(new)
        except ConcurrentModificationError as exc:
            print("conflict", str(exc).replace("\\n", " "), flush=True)
        else:
            print("ok", flush=True)
    """
)


def _agreement(agreement_id: str, owner: str) -> Agreement:
    return Agreement.model_validate(
        {
            "id": agreement_id,
            "partners": ["x"],
            "class": "Partnership",
            "start": date(2024, 1, 1),
            "owner": owner,
        }
    )


@pytest.fixture(scope="module")
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    """Two long-lived worker processes speaking the line protocol of ``WORKER``."""
    env = {**os.environ, "PYTHONPATH": SRC}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    yield procs
    for p in procs:
        assert p.stdin is not None and p.stdout is not None
        p.stdin.close()
        p.wait(timeout=30)
        p.stdout.close()


def _race(procs: list[subprocess.Popen[str]], folder: Path, agreement_id: str) -> list[str]:
    """One trial: both workers load ``folder``, then save ``agreement_id`` at the same time."""
    for k, p in enumerate(procs):
        assert p.stdin is not None
        job = {"folder": str(folder), "id": agreement_id, "owner": f"worker{k}"}
        p.stdin.write(json.dumps(job) + "\n")
        p.stdin.flush()
    for p in procs:
        assert p.stdout is not None
        assert p.stdout.readline() == "ready\n"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    answers = []
    for p in procs:
        assert p.stdout is not None
        answers.append(p.stdout.readline().strip())
    return answers


def _check_one_winner(answers: list[str], folder: Path, agreement_id: str) -> None:
    oks = [k for k, a in enumerate(answers) if a == "ok"]
    conflicts = [a for a in answers if a.startswith("conflict ")]
    assert len(oks) == 1 and len(conflicts) == 1, answers
    assert f"{agreement_id}.toml" in conflicts[0]
    assert ag.load_register(folder)[agreement_id].owner == f"worker{oks[0]}"


def test_two_processes_updating_one_agreement(tmp_path, workers):
    """Two processes update the same loaded agreement at once, many times: exactly one save
    succeeds, the other raises ConcurrentModificationError, the file holds the winner's."""
    for trial in range(TRIALS):
        folder = tmp_path / f"r{trial}"
        folder.mkdir()
        ag.Register(folder, {}).save(_agreement("milan", "nobody"))
        answers = _race(workers, folder, "milan")
        _check_one_winner(answers, folder, "milan")


def test_two_processes_creating_one_agreement(tmp_path, workers):
    """Two processes create the same new agreement id at once: exactly one file is created,
    by one winner; the other save raises ConcurrentModificationError."""
    for trial in range(TRIALS):
        folder = tmp_path / f"n{trial}"
        folder.mkdir()
        answers = _race(workers, folder, "fresh")
        _check_one_winner(answers, folder, "fresh")
        assert sorted(p.name for p in folder.glob("*.toml")) == ["fresh.toml"]


def _lock_is_free(folder: Path) -> bool:
    import fcntl

    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_save_waits_for_the_lock_and_releases_it(tmp_path):
    """A save waits while another holder has the register's lock, and the lock is free again
    after a save, a refused save (ConcurrentModificationError) and a failed write."""
    reg = ag.Register(tmp_path, {})
    done = threading.Event()
    with file_lock(tmp_path / LOCK_FILE):
        t = threading.Thread(target=lambda: (reg.save(_agreement("a", "x")), done.set()))
        t.start()
        assert not done.wait(0.5)  # blocked by the lock held here
        assert not (tmp_path / "a.toml").exists()
    t.join(10)
    assert done.is_set() and (tmp_path / "a.toml").exists()
    assert _lock_is_free(tmp_path)
    stale = ag.Register(tmp_path, {})
    with pytest.raises(ConcurrentModificationError, match=r"a.toml' changed since it was read"):
        stale.save(_agreement("a", "y"))
    assert _lock_is_free(tmp_path)


def test_lock_file_is_not_an_agreement(tmp_path):
    """The lock file left in the folder is never read as an agreement."""
    reg = ag.Register(tmp_path, {})
    reg.save(_agreement("a", "x"))
    assert (tmp_path / LOCK_FILE).exists()
    again = ag.load_register(tmp_path)
    assert list(again.agreements) == ["a"]


def test_save_into_a_missing_folder_is_a_register_error(tmp_path):
    """Saving into a register folder that does not exist names the folder and the id."""
    reg = ag.Register(tmp_path / "gone", {})
    with pytest.raises(
        ag.RegisterError,
        match=r"register folder '.*gone' does not exist; cannot save agreement 'a'",
    ):
        reg.save(_agreement("a", "x"))
