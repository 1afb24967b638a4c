"""Small shared pieces with one home each: constants, atomic write, file lock, optional imports.

Everything here is dependency-free (standard library only) so every layer may import it.
Nothing here installs a signal handler: only the command line does (:mod:`citymatch.cli`),
and the atomic write cleans up on whatever exception the signal becomes.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from .errors import CandidateDataError, MissingDependencyError, OutputPathError

__all__ = [
    "TIE_DECIMALS",
    "atomic_output",
    "atomic_write",
    "check_output_not_input",
    "discard_temporaries",
    "file_lock",
    "file_mode",
    "require",
]

#: Scores equal after rounding to this many decimals are ties (ranks, acceptability counts,
#: top-k order).  Candidates with identical data then tie even when floating-point
#: summation order differs between the in-memory, streamed and Dask paths.
TIE_DECIMALS = 12

_UMASK_LOCK = threading.Lock()

#: Temporary files of the atomic writes in progress in this process (see
#: :func:`discard_temporaries`).
_LIVE_TEMPORARIES: set[Path] = set()

#: Test-only hook: seconds :func:`atomic_output` sleeps with the data written to its temporary
#: file, just before the rename, so a test can signal a process that is mid-write.  Not for
#: users; never set it outside the test suite.
SLOW_WRITE_ENV = "CITYMATCH_TEST_SLOW_WRITE"


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:  # elsewhere: set-and-restore, serialised against our own threads
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file: ``0o666 & ~umask``."""
    return 0o666 & ~_umask()


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, name: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    The one atomic write of citymatch: every output (CSV, JSON, TOML, Parquet, XLSX, plots)
    is written through it, so a reader never sees a half-written file and a failure or an
    interrupt (``KeyboardInterrupt`` included) leaves the old file, or no file, and no
    temporary behind.  The new file gets the mode a plain ``open()`` would give it
    (``0o666 & ~umask``), never ``mkstemp``'s private 0600.  The data are flushed to disk
    (``fsync``) before the rename.

    Raises
    ------
    CandidateDataError
        The folder of ``path`` does not exist (named in the message, with ``name``).
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CandidateDataError(
            f"`{name}` {str(target)!r} is in a folder that does not exist ({str(folder)!r}); "
            "create the folder first."
        )
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    _LIVE_TEMPORARIES.add(tmp)
    try:
        os.close(fd)
        yield tmp
        _test_pause()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _LIVE_TEMPORARIES.discard(tmp)


def _test_pause() -> None:
    """Sleep ``$CITYMATCH_TEST_SLOW_WRITE`` seconds if set (test-only; see SLOW_WRITE_ENV)."""
    pause = os.environ.get(SLOW_WRITE_ENV)
    if pause:
        time.sleep(float(pause))


def discard_temporaries() -> None:
    """Remove the temporary files of every atomic write still in progress in this process.

    The command line calls it when a signal ends a command; :func:`atomic_output` already
    removes its temporary on any exception, this covers a second signal during that cleanup.
    Targets are never touched.
    """
    for tmp in tuple(_LIVE_TEMPORARIES):
        tmp.unlink(missing_ok=True)
        _LIVE_TEMPORARIES.discard(tmp)


@contextmanager
def file_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive OS lock on the file ``path`` (created if missing) for the block.

    The lock is advisory and between processes (and between threads: each call opens its
    own descriptor): ``fcntl.flock`` on POSIX, ``msvcrt.locking`` of the first byte on
    Windows.  It waits until the lock is free, is released when the block ends, on an
    exception too, and the lock file is left in place (removing it would race).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                continue

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, name: str = "output") -> Path:
    """Write ``data`` (text as UTF-8, newlines untouched) to ``path`` atomically.

    See :func:`atomic_output`.  Returns the path written.
    """
    with atomic_output(path, name=name) as tmp:
        if isinstance(data, str):
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(data)
        else:
            tmp.write_bytes(data)
    return Path(path)


def check_output_not_input(
    output: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]],
    *,
    name: str = "output",
    role: str = "input",
) -> None:
    """Refuse an output that would destroy, or be read as, one of ``inputs`` — before any pass.

    An output is refused when it is an input file under any spelling (``..``, symbolic
    links: compared after :func:`os.path.realpath`), the same file through a hard link
    (``os.path.samefile``), or lies inside an input folder (a later pass, or the next run,
    would read it as input).  Inputs that do not exist are skipped (their readers report
    them).

    Raises
    ------
    OutputPathError
        Naming ``name``, both paths and the reason.
    """
    out = Path(output)
    out_real = Path(os.path.realpath(out))
    for source in inputs:
        src = Path(source)
        if not src.exists():
            continue
        src_real = Path(os.path.realpath(src))
        if src.is_dir():
            inside = out_real == src_real or src_real in out_real.parents
            why = "is inside the" if inside else _hard_link_into(out, src)
        else:
            same = out_real == src_real or (out.exists() and os.path.samefile(out, src))
            why = "is the same file as the" if same else ""
        if why:
            raise OutputPathError(
                f"`{name}` must not be the {role} or inside the {role} folder (it would "
                f"destroy the {role} or be read as {role}); got {str(output)!r}, which {why} "
                f"{role}{' folder' if src.is_dir() else ''} {str(source)!r}."
            )


def _hard_link_into(out: Path, folder: Path) -> str:
    """The reason text if ``out`` is a hard link to a file inside ``folder``, else ``""``."""
    try:
        st = out.stat()
    except OSError:
        return ""
    if st.st_nlink < 2:
        return ""
    for root, _dirs, files in os.walk(folder):
        for f in files:
            try:
                other = os.stat(os.path.join(root, f))
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                return "is a hard link to a file inside the"
    return ""


#: Import name → the citymatch extra that installs it.
EXTRAS = {
    "pyarrow": "parquet",
    "openpyxl": "excel",
    "matplotlib": "plot",
    "fastapi": "server",
    "uvicorn": "server",
    "dask": "scale",
    "distributed": "scale",
    "numba": "fast",
    "tqdm": "progress",
}


def require(package: str, purpose: str) -> ModuleType:
    """Import an optional dependency or raise :class:`MissingDependencyError` naming the extra.

    ``purpose`` completes the sentence "… needs <package>", e.g. ``"reading Parquet"``.
    """
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        top = package.split(".")[0]
        extra = EXTRAS.get(top, top)
        raise MissingDependencyError(
            f'{purpose} needs {top}, which is not installed: pip install "citymatch[{extra}]".',
            package=top,
            extra=extra,
        ) from exc
