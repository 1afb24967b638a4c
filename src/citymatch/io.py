"""Reading candidate tables (every failure named) and writing result tables by suffix.

Tables are read from CSV, Parquet (file or folder) and XLSX; a result table is written in
the format its file name asks for (:func:`write_table`).

Every file problem is a :class:`~citymatch.errors.CandidateDataError` naming the file: a
missing, empty (0 bytes) or unreadable file, a file that is not what its extension says
(a CSV renamed ``.parquet``), a corrupt or truncated Parquet file (the bad file of a folder
is named), a table with a header and no rows, a CSV row with fewer fields than the header
(a file cut mid-row is never ranked).  pyarrow's and pandas' own exceptions never reach
the caller.

Rows are named the way the file shows them (:func:`row_place`): a CSV row by its
**physical line** in the file (the header is line 1; a row is named by the line it
starts on, so a quoted field holding newlines counts every line it spans, and blank lines
that the reader skips are counted too), an XLSX row by its spreadsheet row number (header
= row 1), a Parquet row by its 0-based position (the ``row`` of streamed results).

Every output file is written through :func:`citymatch._util.atomic_output` /
:func:`citymatch._util.atomic_write` (the one atomic write, umask-correct modes).
:func:`write_table` is the one home of "a table to a file, by its suffix" (:data:`TABLE_FORMATS`:
``.csv``, ``.xlsx``, ``.json``, ``.parquet``, ``.md``, ``.html``), used by the library
(``Ranking.to_file``) and by every command-line command that writes a table.
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ._util import atomic_output, atomic_write, require
from .errors import (
    ArgumentError,
    CandidateDataError,
    CellError,
    CitymatchError,
    CitymatchTypeError,
    MissingValuesError,
    NonFiniteError,
)

__all__ = [
    "FORMULA_START",
    "NA_VALUES",
    "TABLE_FORMATS",
    "arrow_errors",
    "csv_line_numbers",
    "escape_cell",
    "locate_cell",
    "naming_source",
    "parquet_files",
    "parquet_rows",
    "read_table",
    "row_place",
    "table_format",
    "table_text",
    "unescape_cell",
    "write_table",
]

#: Strings read as missing in CSV files.  Deliberately *not* pandas' default list:
#: "NA" is Namibia's ISO-3166 code and North America's continent code.
NA_VALUES = ["", "NaN", "nan", "NULL", "null", "#N/A"]
#: The argument a table-step message starts with (``"`candidates` "``), replaced by the file.
_ARGUMENT = re.compile(r"^`\w+` ")


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
        Missing, empty or unreadable file, unknown extension, a corrupt, truncated or
        not-Parquet ``.parquet`` file, a header and no rows, a CSV row with fewer fields
        than the header; the message names the file (and the line).
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
    where = f"`{name}` file {str(path)!r}"
    if path.is_file() and path.stat().st_size == 0:
        raise CandidateDataError(f"{where} is empty (0 bytes); expected a header and rows.")
    if reader == "parquet":
        frame = _read_parquet(path, where)
    else:
        try:
            if reader == "csv":
                frame = pd.read_csv(path, keep_default_na=False, na_values=NA_VALUES)
            else:
                frame = pd.read_excel(path, keep_default_na=False, na_values=NA_VALUES)
        except Exception as exc:  # parser errors of all kinds: name the file
            raise CandidateDataError(f"{where} cannot be read: {exc}") from exc
    if len(frame) == 0:
        raise CandidateDataError(
            f"{where} has no rows: only a header ({len(frame.columns)} columns); "
            "expected one row per candidate below it."
        )
    if reader == "csv" and len(frame.columns) and frame.iloc[:, -1].isna().any():
        _check_short_rows(path, where)  # only a row ending in an empty cell can be short
    return frame


# --------------------------------------------------------------------------- Parquet
def parquet_files(path: Path) -> list[Path]:
    """The Parquet files of a file or folder, sorted (a folder's ``*.parquet``, recursively)."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.parquet") if p.is_file())


def parquet_rows(path: Path) -> int:
    """Rows of a Parquet file or folder by its footers (no data read); 0 if a file is unreadable."""
    pq = require("pyarrow.parquet", "reading Parquet")
    try:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(path))
    except arrow_errors():
        return 0


def arrow_errors() -> tuple[type[BaseException], ...]:
    """What pyarrow raises on a bad file: ``ArrowException`` (``ArrowInvalid`` …) and OSError."""
    pa = require("pyarrow", "reading Parquet")
    return (pa.ArrowException, OSError)


def _read_parquet(path: Path, where: str) -> pd.DataFrame:
    """A Parquet file or folder in memory; a corrupt file is named (the first bad file)."""
    if path.is_dir() and not parquet_files(path):
        raise CandidateDataError(f"{where} is a folder holding no .parquet files.")
    try:
        frame: pd.DataFrame = pd.read_parquet(path)
    except arrow_errors() as exc:
        raise parquet_error(path, where, exc) from exc
    return frame


def parquet_error(path: Path, where: str, exc: BaseException) -> CandidateDataError:
    """The error for a Parquet source pyarrow could not read: names the first bad file.

    Each file of ``path`` is opened (footer only) to find which one is broken; ``exc`` is
    pyarrow's error, reported as the reason.
    """
    pq = require("pyarrow.parquet", "reading Parquet")
    bad, reason = path, exc
    for f in parquet_files(path) if path.exists() else []:
        try:
            pq.ParquetFile(f).close()
        except arrow_errors() as inner:
            bad, reason = f, inner
            break
    size = bad.stat().st_size if bad.is_file() else None
    if size == 0:
        what = "is empty (0 bytes)"
    else:
        what = "is not a readable Parquet file (corrupt, truncated, or not Parquet)"
    named = where if bad == path else f"{where}: file {str(bad)!r}"
    return CandidateDataError(f"{named} {what}: {' '.join(str(reason).split())}")


# --------------------------------------------------------------------------- CSV rows
def _csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its fields) for every record pandas reads (blank skipped)."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        end = 0
        for fields in reader:
            start, end = end + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line: pandas skips it (skip_blank_lines)
            yield start, fields


def _check_short_rows(path: Path, where: str) -> None:
    """Refuse a record with fewer fields than the header (a row cut short, a truncated file)."""
    records = _csv_records(path)
    try:
        header_line, header = next(records)
    except (StopIteration, csv.Error):  # pandas read it; nothing more to check
        return
    try:
        for line, fields in records:
            if len(fields) < len(header):
                raise CandidateDataError(
                    f"{where} line {line} has {len(fields)} field(s); the header (line "
                    f"{header_line}) has {len(header)}: the row is cut short (is the file "
                    "truncated?)."
                )
    except csv.Error:  # pandas parsed what the csv module cannot: leave it to pandas
        return


def csv_line_numbers(path: str | os.PathLike[str]) -> list[int]:
    """The physical line (1-based) each data row of a CSV starts on, in row order.

    The header is line 1 (or the first non-blank line); a quoted field holding newlines
    spans several lines, and blank lines are skipped, as pandas reads the file.
    """
    return [line for line, _ in _csv_records(Path(path))][1:]


def row_place(source: object, row: int) -> str:
    """How a row (0-based position in the table read) is named in the source the user has.

    ``"line 7"`` for a CSV file (its physical line), ``"spreadsheet row 3"`` for XLSX
    (header = row 1), ``"row 5"`` otherwise (a DataFrame, Parquet: 0-based position).
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        suffix = path.suffix.lower()
        if suffix == ".csv" and path.is_file():
            lines = csv_line_numbers(path)
            if 0 <= row < len(lines):
                return f"line {lines[row]}"
        if suffix in (".xlsx", ".xlsm"):
            return f"spreadsheet row {row + 2}"
    return f"row {row}"


def locate_cell(exc: CitymatchError, source: object, *, name: str = "candidates") -> CitymatchError:
    """``exc`` re-worded to name the file ``source`` (a path) and the row as the file shows it.

    A :class:`CellError` gets the file and its row's place (a CSV line, a spreadsheet row),
    a :class:`MissingValuesError` the file and the place of each candidate it names;
    another error raised on the table of a file gets the file named in front.  An error on
    an in-memory DataFrame is returned unchanged.
    """
    if not isinstance(source, (str, os.PathLike)):
        return exc
    where = f"`{name}` file {str(source)!r}"
    if isinstance(exc, CellError):
        return exc.relocated(source=where, place=row_place(source, exc.row))
    if isinstance(exc, MissingValuesError):
        places = tuple(row_place(source, row) for _, row, _ in exc.examples)
        return exc.relocated(source=where, places=places)
    text = str(exc)
    if str(source) in text:
        return exc
    return type(exc)(f"{where}: {_ARGUMENT.sub('', text, count=1)}")


@contextmanager
def naming_source(source: object, *, name: str = "candidates") -> Iterator[None]:
    """Table errors raised inside name the file ``source`` and its row (see :func:`locate_cell`).

    Wraps the table steps run on a table read from a file, so that a bad cell is named by
    the file and its line, not by a position in a DataFrame the user never saw.
    """
    try:
        yield
    except (CandidateDataError, NonFiniteError) as exc:
        located = locate_cell(exc, source, name=name)
        if located is exc:
            raise
        raise located from exc


# --------------------------------------------------------------------------- writing tables
#: The formats :func:`write_table` writes, by file suffix (lower-case).
TABLE_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".parquet": "parquet",
    ".md": "md",
    ".html": "html",
}


def table_format(path: str | os.PathLike[str], *, name: str = "path") -> str:
    """The format a table file's suffix asks for (``"csv"``, ``"xlsx"`` …; any case).

    Raises
    ------
    ArgumentError
        The suffix is not one of :data:`TABLE_FORMATS` (the known ones are listed).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        known = ", ".join(TABLE_FORMATS)
        got = repr(suffix) if suffix else "no suffix"
        raise ArgumentError(
            f"`{name}` {str(path)!r} must end in a table format's suffix ({known}); got {got}."
        )
    return TABLE_FORMATS[suffix]


#: What a spreadsheet reads as the start of a formula (and a tab or carriage return before one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: prefix ``'`` to text starting with = + - @.

    Also to text starting with a tab or carriage return, and to text starting with ``'``
    itself (so :func:`unescape_cell` can remove the prefix exactly).  Anything that is not
    such a string is returned unchanged.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_START, "'")):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The inverse of :func:`escape_cell` on a cell's text."""
    if text.startswith("'") and text[1:].startswith((*FORMULA_START, "'")):
        return text[1:]
    return text


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are escaped (the caller's frame is left alone)."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if not text:
        return frame
    out = frame.copy()
    for c in text:
        out[c] = out[c].map(escape_cell)
    return out


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    name: str = "path",
    title: str = "citymatch table",
) -> Path:
    """Write ``frame`` (without its index) to ``path`` in the format its suffix names.

    ``.csv`` (UTF-8), ``.xlsx`` (one sheet; needs the ``excel`` extra) — in both, text that a
    spreadsheet would run as a formula is prefixed with ``'`` (:func:`escape_cell`) — ``.json`` (an array
    of row objects; NaN as ``null``), ``.parquet`` (needs the ``parquet`` extra), ``.md``
    (a Markdown table), ``.html`` (a self-contained page holding the table, ``title`` as
    its title).  Written atomically (:func:`citymatch._util.atomic_output`): an error
    leaves the old file, or none.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ArgumentError
        An unknown suffix (the message lists the known ones).
    MissingDependencyError
        ``.xlsx`` without openpyxl, ``.parquet`` without pyarrow.
    """
    fmt = table_format(path, name=name)
    if fmt in ("csv", "xlsx"):  # what spreadsheets open: text that looks like a formula is escaped
        frame = _escaped(frame)
    if fmt == "xlsx":
        require("openpyxl", f"writing {str(path)!r}")
        with atomic_output(path, name=name) as tmp:
            frame.to_excel(tmp, index=False, engine="openpyxl")
    elif fmt == "parquet":
        require("pyarrow", f"writing {str(path)!r}")
        with atomic_output(path, name=name) as tmp:
            frame.to_parquet(tmp, index=False, engine="pyarrow")
    else:
        atomic_write(path, table_text(frame, fmt, title=title), name=name)
    return Path(path)


def table_text(frame: pd.DataFrame, fmt: str, *, title: str = "citymatch table") -> str:
    """``frame`` as text in a text format: ``"csv"``, ``"json"``, ``"md"`` or ``"html"``."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        text: str = frame.to_json(
            orient="records", indent=2, force_ascii=False, double_precision=15
        )
        return text + "\n"
    if fmt == "md":
        return _markdown(frame)
    if fmt == "html":
        table = frame.to_html(index=False, border=0, na_rep="", classes="citymatch")
        return (
            f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{table}\n</body>\n</html>\n"
        )
    raise ArgumentError(f"`fmt` must be 'csv', 'json', 'md' or 'html'; got {fmt!r}.")


def _cell(value: object) -> str:
    """A cell as Markdown text: numbers as Python prints them, missing as empty, ``|`` escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value.item() if hasattr(value, "item") else value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table; numeric columns right-aligned."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = [
        "| " + " | ".join(_cell(c) for c in frame.columns) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    lines += [
        "| " + " | ".join(_cell(v) for v in row) + " |"
        for row in frame.itertuples(index=False, name=None)
    ]
    return "\n".join(lines) + "\n"
