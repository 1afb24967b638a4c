"""The register as a spreadsheet: CSV/XLSX export (formula-injection safe) and import."""

from __future__ import annotations

import csv
import io
import math
import os
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from .._util import atomic_output, atomic_write, require
from ..errors import RegisterError
from ..io import read_table
from ..models._base import format_validation_error
from ..models.agreement import Agreement
from .register import Register

__all__ = ["escape_cell", "export_table", "import_table"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection: prefix ``'`` to text starting with = + - @ (or tab/CR).

    Anything that is not such a string is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_table(
    register: Register, path: str | os.PathLike[str], *, as_of: date | None = None
) -> Path:
    """Write the register as CSV or XLSX (by suffix), cells escaped against formula injection.

    The file is written through citymatch's one atomic write: an error leaves no partial
    file, and the new file gets the mode a plain ``open()`` would give it (``0o666 & ~umask``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RegisterError
        ``path`` does not end in ``.csv`` or ``.xlsx``.
    MissingDependencyError
        XLSX without openpyxl (extra ``excel``).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise RegisterError(
            f"export file {str(target)!r} must end in .csv or .xlsx; got {suffix!r}."
        )
    if suffix == ".xlsx":
        require("openpyxl", "writing XLSX")
    frame = register.to_frame(as_of).map(escape_cell)
    if suffix == ".csv":
        buf = io.StringIO()
        frame.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
        return atomic_write(target, buf.getvalue(), name="export file")
    with atomic_output(target, name="export file") as tmp:
        frame.to_excel(tmp, index=False, engine="openpyxl")
    return target


def _row_to_data(row: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.get("id"),
        "class": row.get("class"),
        "partners": tuple(str(row.get("partners", "")).split()),
    }
    for key in ("signed", "start", "end"):
        v = row.get(key)
        if isinstance(v, str) and v:
            data[key] = v
        elif isinstance(v, (date, pd.Timestamp)):
            data[key] = pd.Timestamp(v).date()
    owner = row.get("owner")
    if isinstance(owner, str) and owner:
        data["owner"] = owner.lstrip("'")
    budget = row.get("budget")
    if budget is not None and not (isinstance(budget, float) and math.isnan(budget)):
        data["budget"] = budget
    return data


def import_table(path: str | os.PathLike[str]) -> list[Agreement]:
    """Agreements from a CSV/XLSX table (the inverse of :func:`export_table`).

    Columns: id, partners (space-separated), class, and optional signed, start, end, owner,
    budget.  Rows are validated; errors name the file and the row.

    Raises
    ------
    RegisterError
        A row that is not a valid agreement (names the file, the row and the field).
    """
    frame = read_table(path, name="agreements")
    out = []
    for n, row in enumerate(frame.to_dict("records")):
        try:
            out.append(Agreement.model_validate(_row_to_data({str(k): v for k, v in row.items()})))
        except ValidationError as exc:
            raise RegisterError(
                format_validation_error(exc, f"agreements file {str(path)!r}, row {n}")
            ) from exc
    return out
