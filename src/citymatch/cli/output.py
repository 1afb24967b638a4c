"""What every command shares: the usage error and the one way output leaves the CLI."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from .._util import atomic_write
from ..errors import ArgumentError
from ..io import TABLE_FORMATS, table_text, write_table

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import BaseModel

__all__ = [
    "Subparsers",
    "UsageError",
    "add_format_output",
    "add_progress",
    "emit",
    "emit_json",
    "emit_model",
    "emit_table",
    "finite_json",
    "integer",
    "non_negative_int",
    "output_format",
    "port",
    "positive_float",
    "positive_int",
    "year",
]

#: What ``ArgumentParser.add_subparsers`` returns: each command adds its parser to it.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """A command-line usage error: one line on stderr, exit code 2."""


#: The ``--output`` help of every command that writes a table.
OUTPUT_HELP = (
    "write to this file (atomically) instead of stdout, in the format its suffix names: "
    ".csv, .xlsx, .json, .parquet, .md, .html, or .txt / no suffix for the printed text"
)


def add_format_output(
    p: argparse.ArgumentParser,
    *,
    formats: tuple[str, ...] = ("table", "json"),
    printed: str = "text",
    output_help: str = OUTPUT_HELP,
) -> None:
    """``--format`` and ``--output``: the two flags :func:`output_format` reads."""
    p.add_argument(
        "--format",
        choices=list(formats),
        help=f"what to print (default: {printed}, or what --output's suffix says)",
    )
    p.add_argument("--output", help=output_help)


def add_progress(p: argparse.ArgumentParser) -> None:
    """``--progress/--no-progress``: the bar on stderr (default: on a terminal, after 2 s)."""
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: only on a terminal, once the work has "
        "run 2 s)",
    )


def integer(lo: int, hi: int | None, rule: str) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``lo..hi`` (a bad value is a usage error, exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}.") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {rule}; got {value}.")
        return value

    parse.__name__ = rule  # argparse names the type in its own messages
    return parse


positive_int = integer(1, None, "a positive integer")
non_negative_int = integer(0, None, "a non-negative integer")
port = integer(0, 65_535, "a port number in 0..65535")
year = integer(1, 9_999, "a calendar year in 1..9999")


def positive_float(text: str) -> float:
    """An argparse ``type``: a finite number > 0 (seconds, a concentration …)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive finite number; got {text!r}.")
    return value


def emit(text: str, output: str | None) -> None:
    """Print ``text``, or write it atomically to the file ``output``."""
    if output:
        atomic_write(output, text if text.endswith("\n") else text + "\n", name="--output")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def finite_json(doc: object) -> object:
    """``doc`` with every NaN or ±inf float replaced by ``None`` (JSON ``null``)."""
    if isinstance(doc, float):
        return doc if math.isfinite(doc) else None
    if isinstance(doc, dict):
        return {k: finite_json(v) for k, v in doc.items()}
    if isinstance(doc, (list, tuple)):
        return [finite_json(v) for v in doc]
    return doc


def emit_json(doc: object, output: str | None) -> None:
    """Print (or write) a JSON document, indented, UTF-8 as is; always valid JSON.

    A non-finite number (NaN, ±inf: not JSON) is written as ``null``.
    """
    emit(json.dumps(finite_json(doc), indent=2, ensure_ascii=False, allow_nan=False), output)


def emit_model(model: BaseModel, output: str | None) -> None:
    """Print (or write) a contract model as the HTTP service returns it."""
    emit_json(model.model_dump(mode="json"), output)


#: What ``--output``'s suffix asks for on a command that writes a table: the printed text
#: (``.txt`` or no suffix), the command's JSON (``.json``: the contract's response), or a
#: table format of :func:`citymatch.io.write_table`.
OUTPUT_FORMATS: dict[str, str] = {
    "": "table",
    ".txt": "table",
    **TABLE_FORMATS,
}


def output_format(fmt: str | None, output: str | None) -> str:
    """The format a table command writes: ``--format`` if given, else ``--output``'s suffix.

    Checked before any work.  An unknown suffix is an :class:`ArgumentError` (exit 2)
    listing the known ones; a ``--format`` that contradicts the suffix (``--format csv
    --output x.xlsx``) is a usage error.
    """
    suffix = Path(output).suffix.lower() if output else ""
    if suffix not in OUTPUT_FORMATS:
        known = ", ".join(s for s in OUTPUT_FORMATS if s)
        raise ArgumentError(
            f"--output {output!r} must end in {known} (or have no suffix: the printed "
            f"text); got {suffix!r}."
        )
    implied = OUTPUT_FORMATS[suffix] if suffix else None
    if fmt is None:
        return implied or "table"
    if implied is not None and implied != fmt:
        raise UsageError(
            f"--format {fmt} and --output {output!r} disagree (the suffix {suffix} means "
            f"{implied}); drop --format to write what the suffix says, or rename the file."
        )
    return fmt


def emit_table(frame: pd.DataFrame, text: str, fmt: str, output: str | None, *, title: str) -> None:
    """Print or write a command's table: ``text`` for ``"table"``, else ``frame`` as ``fmt``.

    Files go through :func:`citymatch.io.write_table` (atomic); text formats without
    ``--output`` are printed.
    """
    if fmt == "table":
        emit(text, output)
    elif output:
        write_table(frame, output, name="--output", title=title)
    elif fmt in ("csv", "json", "md", "html"):
        emit(table_text(frame, fmt, title=title), None)
    else:  # xlsx / parquet are only ever chosen by a file's suffix
        raise UsageError(f"--format {fmt} needs --output FILE.{fmt}.")
