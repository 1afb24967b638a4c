"""The agreement register: load, edit safely, review (renew / sunset / reclassify), report.

A register is a folder with one TOML file per agreement — human-editable and version
controllable.  :func:`load_register` validates the whole folder (errors name the file and
the field); :meth:`Register.save` writes atomically and refuses to overwrite a file changed
since it was read.  :func:`review` applies the report's review (recommendation 4): renew,
sunset, reclassify MOUs into Partnership or Friendship agreements (recommendation 3), or ask
for SMART objectives (recommendation 6).  :func:`annual_report` gives the annual activity
summary (recommendation 9) as Markdown or a self-contained HTML page.
:func:`export_table` / :func:`import_table` move the register to and from spreadsheets.
:func:`draft_agreements` / :func:`save_drafts` turn a portfolio plan into draft agreements.
:func:`load_proposals` / :func:`proposal_table` turn a folder of proposals into a candidate
table for decision point 1.
:func:`load_policy` reads the city's policy file (goals, cap, classes' terms and sets);
:func:`goal_coverage` checks the goals criteria sets, projects and objectives reference.
:func:`existing_facts` / :func:`join_register` give a candidate table its existing-agreement
columns from the register (the one record of agreements), as of a date.

Modules: ``register`` (Register, TOML in and out), ``facts`` (the register join), ``table``
(CSV/XLSX), ``policy`` (each class's criteria set and term; the policy file), ``goals`` (goal
references), ``draft`` (plan → draft agreements), ``proposals``,
``review``,
``report``.
"""

from ..errors import ConcurrentModificationError, RegisterError
from .draft import DRAFT_CLASS, draft_agreements, save_drafts
from .facts import EXISTING_COLUMNS, existing_facts, join_register
from .goals import GoalCoverage, goal_coverage, goal_references
from .policy import (
    CLASS_RULES,
    ClassRules,
    TermCheck,
    class_rules,
    goal_issues,
    load_policy,
    term_check,
)
from .proposals import PROPOSAL_COLUMNS, load_proposals, proposal_table
from .register import DEFAULT_CLASSES, Register, load_register
from .report import ENGAGED_COLUMNS, AnnualReport, annual_report
from .review import Review, review
from .table import escape_cell, export_table, import_table

__all__ = [
    "CLASS_RULES",
    "DEFAULT_CLASSES",
    "DRAFT_CLASS",
    "ENGAGED_COLUMNS",
    "EXISTING_COLUMNS",
    "PROPOSAL_COLUMNS",
    "AnnualReport",
    "ClassRules",
    "ConcurrentModificationError",
    "GoalCoverage",
    "Register",
    "RegisterError",
    "Review",
    "TermCheck",
    "annual_report",
    "class_rules",
    "draft_agreements",
    "escape_cell",
    "existing_facts",
    "export_table",
    "goal_coverage",
    "goal_issues",
    "goal_references",
    "import_table",
    "join_register",
    "load_policy",
    "load_proposals",
    "load_register",
    "proposal_table",
    "review",
    "save_drafts",
    "term_check",
]
