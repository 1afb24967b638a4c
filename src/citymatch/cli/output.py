"""What every command shares: the usage error and the one way output leaves the CLI."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from .._util import atomic_write

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "Subparsers",
    "UsageError",
    "emit",
    "emit_json",
    "emit_model",
    "finite_json",
    "integer",
    "non_negative_int",
    "port",
    "positive_float",
    "positive_int",
    "year",
]

#: What ``ArgumentParser.add_subparsers`` returns: each command adds its parser to it.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """A command-line usage error: one line on stderr, exit code 2."""


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
