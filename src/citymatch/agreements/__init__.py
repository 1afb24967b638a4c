"""The agreement register: load, edit safely, review (renew / sunset / reclassify), report.

A register is a folder with one TOML file per agreement — human-editable and version
controllable.  :func:`load_register` validates the whole folder (errors name the file and
the field); :meth:`Register.save` writes atomically and refuses to overwrite a file changed
since it was read.  :func:`review` applies the report's review (recommendation 4): renew,
sunset, reclassify MOUs into Partnership or Friendship agreements (recommendation 3), or ask
for SMART objectives (recommendation 6).  :func:`annual_report` gives the annual activity
summary (recommendation 9) as Markdown or a self-contained HTML page.
:func:`export_table` / :func:`import_table` move the register to and from spreadsheets.

Modules: ``register`` (Register, TOML in and out), ``table`` (CSV/XLSX), ``review``,
``report``.
"""

from ..errors import ConcurrentModificationError, RegisterError
from .register import DEFAULT_CLASSES, Register, load_register
from .report import AnnualReport, annual_report
from .review import Review, review
from .table import escape_cell, export_table, import_table

__all__ = [
    "DEFAULT_CLASSES",
    "AnnualReport",
    "ConcurrentModificationError",
    "Register",
    "RegisterError",
    "Review",
    "annual_report",
    "escape_cell",
    "export_table",
    "import_table",
    "load_register",
    "review",
]
