"""Reading candidate tables.

Every output file is written through :func:`citymatch._util.atomic_output` /
:func:`citymatch._util.atomic_write` (the one atomic write, umask-correct modes).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._util import require
from .errors import CandidateDataError, CitymatchTypeError

__all__ = ["NA_VALUES", "read_table"]

#: Strings read as missing in CSV files.  Deliberately *not* pandas' default list:
#: "NA" is Namibia's ISO-3166 code and North America's continent code.
NA_VALUES = ["", "NaN", "nan", "NULL", "null", "#N/A"]


def _reader(path: Path, suffix: str, name: str) -> str:
    """Which reader a path needs (``csv``, ``parquet``, ``excel``); checks the optional extra."""
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq") or path.is_dir():
        require("pyarrow", f"reading {str(path)!r}")
        return "parquet"
    if suffix in (".xlsx", ".xlsm"):
        require("openpyxl", f"reading {str(path)!r}")
        return "excel"
    raise CandidateDataError(
        f"`{name}` file {str(path)!r} has an unknown extension {suffix!r}; "
        "use .csv, .parquet or .xlsx."
    )


def read_table(
    source: pd.DataFrame | str | os.PathLike[str], *, name: str = "candidates"
) -> pd.DataFrame:
    """Read a candidate table from a DataFrame (copied), CSV, Parquet or XLSX path.

    CSV and XLSX files are read with ``keep_default_na=False`` and only :data:`NA_VALUES`
    as missing, so the country code "NA" (Namibia) survives.

    Raises
    ------
    CandidateDataError
        Missing file, unknown extension, or an unreadable file (message names the path).
    CitymatchTypeError
        ``source`` is neither a DataFrame nor a path.
    MissingDependencyError
        Parquet without pyarrow (extra ``parquet``) or XLSX without openpyxl (extra ``excel``).
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
    reader = _reader(path, path.suffix.lower(), name)
    try:
        if reader == "csv":
            return pd.read_csv(path, keep_default_na=False, na_values=NA_VALUES)
        if reader == "parquet":
            return pd.read_parquet(path)
        return pd.read_excel(path, keep_default_na=False, na_values=NA_VALUES)
    except Exception as exc:  # parser errors of all kinds: name the file
        raise CandidateDataError(f"`{name}` file {str(path)!r} cannot be read: {exc}") from exc
