"""What every command shares: the usage error and the one way output leaves the CLI."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TypeAlias

from .._util import atomic_write

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["Subparsers", "UsageError", "emit", "emit_json", "emit_model"]

#: What ``ArgumentParser.add_subparsers`` returns: each command adds its parser to it.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """A command-line usage error: one line on stderr, exit code 2."""


def emit(text: str, output: str | None) -> None:
    """Print ``text``, or write it atomically to the file ``output``."""
    if output:
        atomic_write(output, text if text.endswith("\n") else text + "\n", name="--output")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_json(doc: object, output: str | None) -> None:
    """Print (or write) a JSON document, indented, UTF-8 as is."""
    emit(json.dumps(doc, indent=2, ensure_ascii=False), output)


def emit_model(model: BaseModel, output: str | None) -> None:
    """Print (or write) a contract model as the HTTP service returns it."""
    emit_json(model.model_dump(mode="json"), output)
