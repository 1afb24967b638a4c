"""Small shared pieces with one home each: named constants, the atomic write, optional imports.

Everything here is dependency-free (standard library only) so every layer may import it.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from .errors import CandidateDataError, MissingDependencyError

__all__ = [
    "TIE_DECIMALS",
    "atomic_output",
    "atomic_write",
    "file_mode",
    "require",
]

#: Scores equal after rounding to this many decimals are ties (ranks, acceptability counts,
#: top-k order).  Candidates with identical data then tie even when floating-point
#: summation order differs between the in-memory, streamed and Dask paths.
TIE_DECIMALS = 12

_UMASK_LOCK = threading.Lock()


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
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
