"""Exceptions and warnings raised by citymatch.

Every error citymatch raises on purpose derives from :class:`CitymatchError`, and
also from the builtin that fits (``ValueError`` for bad values, ``TypeError`` for
wrong types, ``KeyError`` is never used: a missing column is a bad *value* of the
table), so ``except ValueError`` in user code keeps working.

Each message names the argument, the rule it broke and the value received, e.g.
"`weights` must have 4 elements (one per criterion); got 3."

Tree::

    CitymatchError
    ├── CitymatchValueError (ValueError)
    │   ├── ShapeError ............ wrong dimensions or lengths
    │   ├── NonFiniteError ........ NaN or ±inf where finite numbers are required
    │   │   └── NumericRangeError . a number beyond what float64 arithmetic holds (limit stated)
    │   ├── WeightsError .......... negative, all-zero, NaN weights
    │   ├── CriterionTypeError .... a criterion type other than 1/-1/"benefit"/"cost"
    │   ├── PairwiseMatrixError ... an AHP matrix that is not square, positive, reciprocal …
    │   ├── RandomIndexError ...... n beyond the chosen random-index table, unknown table
    │   ├── CandidateDataError .... missing column, duplicate id, missing values, bad file
    │   │   ├── CellError ......... one bad cell: names the row (a CSV's line) and column
    │   │   └── MissingValuesError  missing values under missing="error": names candidates,
    │   │                             their rows and the fix in the caller's syntax
    │   ├── CriteriaError ......... an invalid criteria set (duplicate ids, weights + AHP …)
    │   │   └── CriteriaFileError . a criteria file that cannot be read: names file and key
    │   ├── ScreeningError ........ a screening rule that cannot be applied
    │   ├── PortfolioError ........ a portfolio problem that breaks a rule
    │   ├── RegisterError ......... an agreement register file that cannot be read
    │   ├── RequestLimitError ..... a service request over one of the service's limits
    │   ├── DecisionRecordError ... a decision record that cannot be read, fails its signature
    │   │                             or digest, or is unsigned where a signature is required
    │   ├── ArgumentError ......... an option argument out of its domain (threads, time_limit,
    │   │                             cap …): a usage error, exit code 2 on the command line
    │   ├── OutputPathError ....... an output that is, or would be read as, part of the input
    │   ├── RecordKeyError ........ a record-signing key that is too short, unreadable or exposed
    │   └── UnknownGoalError ...... a criteria set, project or objective names a goal the policy
    │                                 does not have (names it and the policy's goals)
    ├── CitymatchTypeError (TypeError)
    ├── ConcurrentModificationError (RuntimeError)  a register file changed since it was read
    ├── BrowserError (RuntimeError) ............... the headless browser failed to write a PDF
    └── MissingDependencyError (ImportError) ...... an optional extra that is not installed
        └── BrowserNotFoundError .................. no Chromium-family browser for a PDF

    CitymatchWarning (UserWarning)
    ├── InconsistentJudgementsWarning ... AHP judgements with CR above the threshold
    └── UnsignedRecordWarning ........... a decision record made or replayed without a signature
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "BrowserError",
    "BrowserNotFoundError",
    "CandidateDataError",
    "CellError",
    "CitymatchError",
    "CitymatchTypeError",
    "CitymatchValueError",
    "CitymatchWarning",
    "ConcurrentModificationError",
    "CriteriaError",
    "CriteriaFileError",
    "CriterionTypeError",
    "DecisionRecordError",
    "InconsistentJudgementsWarning",
    "MissingDependencyError",
    "MissingValuesError",
    "NoiseDomainError",
    "NonFiniteError",
    "NumericRangeError",
    "OutputPathError",
    "PairwiseMatrixError",
    "PortfolioError",
    "RandomIndexError",
    "RecordKeyError",
    "RegisterError",
    "RequestLimitError",
    "ScreeningError",
    "ShapeError",
    "UnknownGoalError",
    "UnsignedRecordWarning",
    "UnsupportedAnalysisError",
    "WeightsError",
]


class CitymatchError(Exception):
    """Base class of every error citymatch raises on purpose."""


class CitymatchValueError(CitymatchError, ValueError):
    """An argument has the right type but a value that breaks a rule."""


class CitymatchTypeError(CitymatchError, TypeError):
    """An argument has a type citymatch does not accept."""


class ShapeError(CitymatchValueError):
    """An array has the wrong number of dimensions or the wrong length."""


class NonFiniteError(CitymatchValueError):
    """NaN or ±inf found where finite numbers are required."""


class NumericRangeError(NonFiniteError):
    """A number too large or too small for float64 arithmetic; the message states the limit.

    A subclass of :class:`NonFiniteError`: the refused values are the ones whose squares,
    sums or differences would overflow to ±inf (or underflow below the normal range).
    """


class WeightsError(CitymatchValueError):
    """Weights that are negative, NaN, all zero or otherwise unusable."""


class CriterionTypeError(CitymatchValueError):
    """A criterion type other than ``1``/``-1``/``"benefit"``/``"cost"``."""


class PairwiseMatrixError(CitymatchValueError):
    """An AHP pairwise-comparison matrix that is not square, positive or reciprocal."""


class RandomIndexError(CitymatchValueError):
    """An unknown random-index table, or a matrix size outside its range."""


class CandidateDataError(CitymatchValueError):
    """A candidate table that cannot be scored as given."""


class CriteriaError(CitymatchValueError):
    """A criteria set that breaks a rule (duplicate ids, weights and AHP both given …)."""


class CriteriaFileError(CriteriaError):
    """A criteria file that cannot be read; the message names the file and the key."""


class ScreeningError(CitymatchValueError):
    """A screening rule that cannot be applied to the candidate table."""


class PortfolioError(CitymatchValueError):
    """A portfolio problem that breaks a rule (names the field and the value)."""


class RegisterError(CitymatchValueError):
    """A register file that cannot be read or validated (names the file and field)."""


class RequestLimitError(CitymatchValueError):
    """A service request over one of the service's limits (names the field, bound and value).

    Attributes
    ----------
    field : str
        Dotted JSON path of the request field measured (``"problem.projects"``).
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class DecisionRecordError(CitymatchValueError):
    """A decision record that cannot be read, or whose signature or digest does not match."""


class RecordKeyError(CitymatchValueError):
    """A record-signing key that cannot be used (too short, unreadable, readable by others).

    The message names where the key came from (the environment variable or the key file),
    never the key itself.
    """


class ConcurrentModificationError(CitymatchError, RuntimeError):
    """A register file changed on disk since it was read; the write was refused."""


class MissingDependencyError(CitymatchError, ImportError):
    """An optional dependency is not installed; the message names the extra to install.

    Attributes
    ----------
    package : str
        The import name that failed (``"pyarrow"``, ``"fastapi"`` …).
    extra : str
        The citymatch extra that installs it (``pip install "citymatch[<extra>]"``).
    """

    def __init__(self, message: str, *, package: str = "", extra: str = "") -> None:
        super().__init__(message, name=package or None)
        self.package = package
        self.extra = extra


class BrowserNotFoundError(MissingDependencyError):
    """No headless browser (Chromium, Chrome, Edge) to print a PDF with.

    The message says how to install one, how to name it, and that the HTML output needs none.
    """


class BrowserError(CitymatchError, RuntimeError):
    """The headless browser ran but wrote no PDF (failed, timed out or wrote something else).

    The message names the browser, the exit status and the end of its error output.
    """


class CitymatchWarning(UserWarning):
    """Base class of the warnings citymatch emits."""


class InconsistentJudgementsWarning(CitymatchWarning):
    """AHP judgements whose consistency ratio exceeds the threshold."""


class OutputPathError(CitymatchValueError):
    """An output path that is an input (same file, a link to it) or lies inside an input folder.

    Raised before anything is read or written; the message names both paths.
    """


class UnsignedRecordWarning(CitymatchWarning):
    """A decision record made without a signing key, or replayed without a signature."""


class CellError(CandidateDataError):
    """One bad cell of a candidate table: names the column and the row.

    The row is named as the source shows it: ``row 3`` (0-based position) for a table in
    memory, ``line 5`` for a CSV file (its physical line; header = line 1), ``spreadsheet
    row 4`` for XLSX — see :func:`citymatch.io.row_place`.

    Attributes
    ----------
    row : int
        0-based position of the row in the table as read (before screening).
    column : str
        The column holding the bad value.
    detail : str
        The rule and the value got, e.g. ``"must be numeric; got 'abc' for candidate 'w'"``.
    """

    def __init__(
        self,
        detail: str,
        *,
        row: int,
        column: str,
        source: str = "`candidates`",
        place: str | None = None,
    ) -> None:
        super().__init__(f"{source} column {column!r} {detail} ({place or f'row {row}'}).")
        self.row = row
        self.column = column
        self.detail = detail

    def relocated(self, *, source: str, place: str) -> CellError:
        """The same error naming another source (a file) and place (``"line 5"``)."""
        return CellError(self.detail, row=self.row, column=self.column, source=source, place=place)


#: The fix a :class:`MissingValuesError` suggests, in each caller's syntax.
MISSING_FIXES = {
    "python": "Pass missing='drop' or missing='worst', or fill them.",
    "cli": "Pass --missing drop or --missing worst, or fill them.",
}


class MissingValuesError(CandidateDataError):
    """Missing criterion values under ``missing="error"``.

    Names the first few candidates by id, their rows as the source shows them (``row 3``
    in memory, ``line 5`` of a CSV file) and their empty columns, and suggests the fix in
    the caller's syntax: ``missing='drop'`` in Python, ``--missing drop`` on the command
    line (:meth:`for_cli`).

    Attributes
    ----------
    examples : tuple of (id, row, columns)
        Up to five candidates: id, 0-based row in the table as read, empty columns.
    count : int
        How many candidates have missing values.
    """

    def __init__(
        self,
        examples: tuple[tuple[object, int, tuple[str, ...]], ...],
        *,
        count: int,
        source: str = "`candidates`",
        places: tuple[str, ...] | None = None,
        fix: str = "python",
    ) -> None:
        self.examples = examples
        self.count = count
        self.source = source
        self.places = places or tuple(f"row {row}" for _, row, _ in examples)
        self.fix = fix
        detail = "; ".join(
            f"{ident!r}: {list(cols)} ({place})"
            for (ident, _, cols), place in zip(examples, self.places, strict=True)
        )
        more = f" (and {count - len(examples)} more)" if count > len(examples) else ""
        super().__init__(
            f"{source} has missing values in criterion columns for {count} candidate(s): "
            f"{detail}{more}. {MISSING_FIXES[fix]}"
        )

    def relocated(self, *, source: str, places: tuple[str, ...]) -> MissingValuesError:
        """The same error naming another source (a file) and places (``"line 5"`` …)."""
        return MissingValuesError(
            self.examples, count=self.count, source=source, places=places, fix=self.fix
        )

    def for_cli(self) -> MissingValuesError:
        """The same error suggesting the command-line flag (``--missing drop``)."""
        return MissingValuesError(
            self.examples, count=self.count, source=self.source, places=self.places, fix="cli"
        )


class ArgumentError(CitymatchValueError):
    """An option argument outside its domain (``threads``, ``time_limit``, ``cap`` …).

    A usage error rather than a data error: the command line answers it with exit code 2.
    """


class ArgumentTypeError(ArgumentError, CitymatchTypeError):
    """An option argument of the wrong type (``v="abc"``): a TypeError and a usage error."""


class UnsupportedAnalysisError(CitymatchValueError):
    """A sensitivity analysis that cannot answer for this ranking as it was scored.

    TOPSIS with fixed ideal points: the analyses score TOPSIS with the data's own points.
    The decision brief leaves its robustness section out with this reason.
    """


class NoiseDomainError(ArgumentError):
    """SMAA's ``noise`` drew a value outside the method's domain.

    A negative value for a ratio-scale method, one outside SPOTIS's bounds: the option is
    too large for the data (a usage error, exit 2 on the command line).
    """


class UnknownGoalError(CitymatchValueError):
    """A criteria set, project or objective names a strategic goal the policy does not have."""
