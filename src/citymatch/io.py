"""Reading candidate tables and writing outputs safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import CandidateDataError, CitymatchTypeError

__all__ = ["NA_VALUES", "atomic_write_text", "read_table"]

#: Strings read as missing in CSV files.  Deliberately *not* pandas' default list:
#: "NA" is Namibia's ISO-3166 code and North America's continent code.
NA_VALUES = ["", "NaN", "nan", "NULL", "null", "#N/A"]


def read_table(source: Any, *, name: str = "candidates") -> pd.DataFrame:
    """Read a candidate table from a DataFrame (copied), CSV, Parquet or XLSX path.

    CSV files are read with ``keep_default_na=False`` and only :data:`NA_VALUES`
    as missing, so the country code "NA" (Namibia) survives.

    Raises
    ------
    CandidateDataError
        Missing file, unknown extension, or an unreadable file (message names the path).
    CitymatchTypeError
        ``source`` is neither a DataFrame nor a path.
    """
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if not isinstance(source, (str, os.PathLike)):
        raise CitymatchTypeError(
            f"`{name}` must be a pandas DataFrame or a path to a CSV/Parquet/XLSX file; "
            f"got {type(source).__name__}."
        )
    path = Path(source)
    if not path.exists():
        raise CandidateDataError(f"`{name}` file {str(path)!r} does not exist.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, keep_default_na=False, na_values=NA_VALUES)
        if suffix in (".parquet", ".pq") or path.is_dir():
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:
                raise CandidateDataError(
                    f"reading {str(path)!r} needs pyarrow: pip install 'citymatch[parquet]'."
                ) from exc
            return pd.read_parquet(path)
        if suffix in (".xlsx", ".xlsm"):
            try:
                import openpyxl  # noqa: F401
            except ImportError as exc:
                raise CandidateDataError(
                    f"reading {str(path)!r} needs openpyxl: pip install 'citymatch[excel]'."
                ) from exc
            return pd.read_excel(path, keep_default_na=False, na_values=NA_VALUES)
    except CandidateDataError:
        raise
    except Exception as exc:  # parser errors of all kinds: name the file
        raise CandidateDataError(f"`{name}` file {str(path)!r} cannot be read: {exc}") from exc
    raise CandidateDataError(
        f"`{name}` file {str(path)!r} has an unknown extension {suffix!r}; "
        "use .csv, .parquet or .xlsx."
    )


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never half-written."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates 0600; give the file the usual mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
