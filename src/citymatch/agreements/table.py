"""The register as a spreadsheet: CSV/XLSX export (formula-injection safe) and a lossless import.

One row per agreement.  The visible columns (:data:`VISIBLE`) hold the agreement's own
top-level fields as text an analyst can read and edit (partners and projects space-separated,
dates ``YYYY-MM-DD``); the information columns (:data:`INFO`: the end after renewals, the
status on the export date, the number of objectives, SMART or not) are for reading only; and
``details`` holds the whole agreement as JSON — objectives, KPIs, responsibilities,
milestones, reporting dates, resources, renewals, spending and measurements.

:func:`import_table` is the inverse: it rebuilds each agreement from ``details`` and takes a
visible cell instead only where it was edited (where it differs from what the export wrote
for it).  So export → import gives back every field of every agreement, unchanged
(``tests/agreements/test_table_roundtrip.py`` checks it as a property over generated
registers, in CSV and XLSX), while an edit made in the spreadsheet is kept.  A table without
``details`` (written by hand, or by an older citymatch) is read from its visible columns.

Every text cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) — or that starts with the escape ``'`` itself — is written
with a ``'`` prefix (:func:`escape_cell`); :func:`import_table` removes exactly that prefix.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .._util import atomic_output, atomic_write, require
from ..errors import RegisterError
from ..io import escape_cell, unescape_cell
from ..models._base import validate_model
from ..models.agreement import Agreement
from .register import Register

__all__ = ["DETAILS", "INFO", "VISIBLE", "escape_cell", "export_table", "import_table"]


#: The agreement's own fields shown as editable columns, in order.
VISIBLE = (
    "id",
    "partners",
    "class",
    "signed",
    "start",
    "end",
    "status",
    "owner",
    "budget",
    "projects",
    "illustrative",
    "source",
)

#: Read-only information columns (ignored by :func:`import_table`).
INFO = ("current_end", "status_on", "objectives", "smart")

#: The column holding the whole agreement as JSON.
DETAILS = "details"

#: Characters an XLSX cell cannot hold (those openpyxl refuses).
_XLSX_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

#: The longest text an XLSX cell holds.
_XLSX_MAX_CELL = 32767


def _show(value: object) -> str:
    """The text of a visible cell for a field's value (before escaping)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return " ".join(str(v) for v in value)
    return str(value)


def _export_rows(register: Register, as_of: date, xlsx: bool) -> list[list[str]]:
    """The header and one row of text cells per agreement."""
    rows = [[*VISIBLE, *INFO, DETAILS]]
    for a in register:
        data = a.model_dump(mode="python", by_alias=True)
        visible = [_show(data[k]) for k in VISIBLE]
        info = [
            _show(a.current_end),
            a.status_on(as_of),
            str(len(a.objectives)),
            _show(a.is_smart),
        ]
        details = json.dumps(
            a.model_dump(mode="json", by_alias=True), ensure_ascii=True, sort_keys=True
        )
        if xlsx and len(details) > _XLSX_MAX_CELL:
            raise RegisterError(
                f"agreement {a.id!r} is too large for one XLSX cell ({len(details)} characters "
                f"of details; at most {_XLSX_MAX_CELL}); export it to .csv."
            )
        cells = [*visible, *info]
        if xlsx:
            cells = [_XLSX_ILLEGAL.sub("", c) for c in cells]
        rows.append([str(escape_cell(c)) for c in cells] + [details])
    return rows


def export_table(
    register: Register, path: str | os.PathLike[str], *, as_of: date | None = None
) -> Path:
    """Write the register as CSV or XLSX (by suffix), every field kept, cells escaped.

    See the module documentation for the columns.  The file is written through citymatch's
    one atomic write: an error leaves no partial file, and the new file gets the mode a plain
    ``open()`` would give it (``0o666 & ~umask``).

    Parameters
    ----------
    register : Register
    path : str or path-like
        ``.csv`` or ``.xlsx``.
    as_of : date, default today
        The date of the ``status_on`` information column.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RegisterError
        ``path`` does not end in ``.csv`` or ``.xlsx``, or an agreement's details exceed an
        XLSX cell (32,767 characters).
    MissingDependencyError
        XLSX without openpyxl (extra ``excel``).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise RegisterError(
            f"export file {str(target)!r} must end in .csv or .xlsx; got {suffix!r}."
        )
    as_of = as_of or date.today()
    if suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(
            _export_rows(register, as_of, xlsx=False)
        )
        return atomic_write(target, buf.getvalue(), name="export file")
    openpyxl = require("openpyxl", "writing XLSX")
    rows = _export_rows(register, as_of, xlsx=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "agreements"
    for row in rows:
        sheet.append(row)  # text cells only (escaped: never a formula)
    with atomic_output(target, name="export file") as tmp:
        book.save(tmp)
    return target


# --------------------------------------------------------------------------- import
def _read_rows(path: Path) -> list[dict[str, str]]:
    """Every row of a CSV or XLSX file as text cells keyed by the header."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise RegisterError(f"agreements file {str(path)!r} does not exist.")
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text, newline=""), restval=""))
    if suffix != ".xlsx":
        raise RegisterError(
            f"agreements file {str(path)!r} must end in .csv or .xlsx; got {suffix!r}."
        )
    openpyxl = require("openpyxl", "reading XLSX")
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        values = [
            [_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    if not values:
        return []
    header = values[0]
    width = len(header)
    return [
        dict(zip(header, [*row, *[""] * (width - len(row))], strict=False)) for row in values[1:]
    ]


def _cell_text(v: object) -> str:
    """A cell's value as the text the export wrote (numbers and dates typed by hand too)."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _parse_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD; got {text!r}") from None


def _parse_float(text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"must be a number; got {text!r}") from None


def _parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no", ""):
        return False
    raise ValueError(f"must be true or false; got {text!r}")


_PARSE: dict[str, Callable[[str], Any]] = {
    "partners": lambda t: tuple(t.split()),
    "projects": lambda t: tuple(t.split()),
    "signed": _parse_date,
    "start": _parse_date,
    "end": _parse_date,
    "status": lambda t: t or None,
    "budget": _parse_float,
    "illustrative": _parse_bool,
}


def _row_to_data(row: dict[str, str], xlsx: bool) -> dict[str, Any]:
    """The agreement's data: ``details``, with every edited visible cell applied."""
    raw = row.get(DETAILS, "")
    data: dict[str, Any] = json.loads(raw) if raw.strip() else {}
    base = Agreement.model_validate(data).model_dump(mode="python", by_alias=True) if data else {}
    for key in VISIBLE:
        if key not in row:
            continue
        cell = unescape_cell(row[key])
        if base:
            shown = _show(base[key])
            if cell == (_XLSX_ILLEGAL.sub("", shown) if xlsx else shown):
                continue  # not edited: keep the exact value
        try:
            data[key] = _PARSE.get(key, str)(cell)
        except ValueError as exc:
            raise ValueError(f"column {key!r}: {exc}") from None
    return data


def import_table(path: str | os.PathLike[str]) -> list[Agreement]:
    """Agreements from a CSV/XLSX table (the inverse of :func:`export_table`).

    Each row's agreement is rebuilt from its ``details`` column (every field), with each
    visible cell that was edited in the spreadsheet applied on top; a table without
    ``details`` is read from its visible columns (id, partners space-separated, class, and
    optional signed, start, end, status, owner, budget, projects, illustrative, source).
    Rows are validated; errors name the file and the row (counted from 0 after the header).

    Raises
    ------
    RegisterError
        A missing file, a suffix other than .csv/.xlsx, or a row that is not a valid
        agreement (the message names the file, the row and the field or column).
    MissingDependencyError
        XLSX without openpyxl (extra ``excel``).
    """
    source = Path(path)
    xlsx = source.suffix.lower() == ".xlsx"
    out = []
    for n, row in enumerate(_read_rows(source)):
        where = f"agreements file {str(source)!r}, row {n}"
        try:
            data = _row_to_data(row, xlsx)
        except ValueError as exc:  # a cell that does not parse, or details that are not JSON
            raise RegisterError(f"{where}: {exc}") from exc
        out.append(validate_model(Agreement, data, where=where, error=RegisterError))
    return out
