"""The entry point: the parser (one builder per command) and the exit-code policy."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import (
    ArgumentError,
    CandidateDataError,
    CitymatchError,
    NonFiniteError,
    ScreeningError,
    ShapeError,
)
from .brief import add_brief
from .criteria import add_criteria
from .engine import add_record, add_replay, add_schema, add_serve
from .guard import check_outputs, handling_signals
from .output import Subparsers, UsageError
from .programme import (
    add_draft,
    add_portfolio,
    add_proposals,
    add_report,
    add_review,
    example_path,
)
from .scoring import add_ahp, add_demo, add_rank, add_sensitivity

__all__ = ["build_parser", "main"]


class CliParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and a one-line message; exit 2."""
        self.print_usage(sys.stderr)
        sys.stderr.write(f"citymatch: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The ``citymatch`` parser: global options, then one sub-parser per command."""
    p = CliParser(
        prog="citymatch",
        description="Rank candidate partner cities and organisations (TOPSIS + AHP).",
    )
    p.add_argument("--version", action="version", version=f"citymatch {__version__}")
    p.add_argument(
        "--debug", action="store_true", help="show the traceback of any error (for bug reports)"
    )
    sub: Subparsers = p.add_subparsers(dest="command", required=True, parser_class=CliParser)
    for add in (
        add_rank,
        add_ahp,
        add_sensitivity,
        add_portfolio,
        add_draft,
        add_proposals,
        add_schema,
        add_review,
        add_report,
        add_serve,
        add_record,
        add_replay,
        add_demo,
        add_criteria,
        add_brief,
    ):
        add(sub)
    return p


def _resolve_examples(args: argparse.Namespace) -> None:
    if getattr(args, "problem", None) == "example":
        args.problem = example_path("portfolio")
    if getattr(args, "candidates", None) in ("example", "example-organisations"):
        args.candidates = example_path(
            "cities" if args.candidates == "example" else "organisations"
        )


@handling_signals
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``citymatch`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    _resolve_examples(args)
    if getattr(args, "top", None) is not None and args.top < 1:
        sys.stderr.write(f"citymatch: error: --top must be a positive integer; got {args.top}.\n")
        return 2
    try:
        check_outputs(args)
        return int(args.func(args))
    except UsageError as exc:
        sys.stderr.write(f"citymatch: error: {exc}\n")
        return 2
    except ArgumentError as exc:  # an option's value refused by the library: usage, exit 2
        if args.debug:
            raise
        sys.stderr.write(f"citymatch: error: {exc}\n")
        return 2
    except (CitymatchError, OSError) as exc:
        if args.debug:
            raise
        sys.stderr.write(f"citymatch: {_data_message(args, exc)}\n")
        return 1
    except Exception as exc:  # anything else bad input can trigger: one line, never a traceback
        if args.debug:
            raise
        text = " ".join(str(exc).split()) or "no message"
        sys.stderr.write(
            f"citymatch: unexpected error ({type(exc).__name__}): {text[:500]} "
            "(rerun with --debug for the traceback)\n"
        )
        return 1


def _data_message(args: argparse.Namespace, exc: BaseException) -> str:
    """A data error's message; errors about the input table name its file if they do not."""
    text = str(exc)
    source = (
        getattr(args, "candidates", None)
        or getattr(args, "matrix", None)
        or getattr(args, "problem", None)
    )
    about_table = isinstance(exc, (CandidateDataError, NonFiniteError, ShapeError, ScreeningError))
    if source and about_table and str(source) not in text:  # name the file the data came from
        text = f"{source}: {text}"
    return text
