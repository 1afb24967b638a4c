"""Reading the JSON and TOML documents citymatch takes as input, with one set of rules.

Criteria sets, portfolio problems, register agreements, AHP matrices and service requests
read from files all come through :func:`read_document`, so every such file fails the same
clear way: a citymatch error (the class the caller names) whose message names the file and
the rule — never a bare ``RecursionError``, ``UnicodeDecodeError`` or ``IsADirectoryError``.

The rules:

- the file must be a regular, readable file (a directory named ``x.toml`` is refused);
- text is UTF-8; a leading UTF-8 byte-order mark (as Windows Notepad writes) is accepted
  and removed; invalid UTF-8 is refused with the line and column of the first bad byte;
- documents may nest at most :data:`MAX_DEPTH` levels (arrays and tables/objects), far
  beyond any real input and well inside what the parsers and the validators can recurse.

Standard library only, so every layer may use it.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Literal

from .errors import CitymatchError

__all__ = [
    "BOM",
    "MAX_DEPTH",
    "decode_text",
    "document_kind",
    "nesting_depth",
    "parse_document",
    "read_document",
    "read_text",
]

#: Deepest nesting of arrays and tables/objects accepted in a JSON or TOML input.
MAX_DEPTH = 64
#: The UTF-8 byte-order mark, removed from the start of a text file.
BOM = b"\xef\xbb\xbf"

Kind = Literal["json", "toml"]


def document_kind(path: str | os.PathLike[str]) -> Kind:
    """``"json"`` for a path ending in ``.json`` (any case), else ``"toml"``."""
    return "json" if Path(path).suffix.lower() == ".json" else "toml"


def read_text(path: str | os.PathLike[str], *, where: str, error: type[CitymatchError]) -> str:
    """The UTF-8 text of a regular file, without a leading byte-order mark.

    ``where`` names the file in messages (e.g. ``"criteria file 'x.toml'"``); ``error`` is
    the citymatch error class raised.

    Raises
    ------
    error
        Missing file, a directory, an unreadable file, or text that is not UTF-8.
    """
    p = Path(path)
    if p.is_dir():
        raise error(f"{where} is a directory, not a file.")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise error(f"{where} cannot be read: {exc.strerror or exc}.") from exc
    return decode_text(raw, where=where, error=error)


def decode_text(raw: bytes, *, where: str, error: type[CitymatchError]) -> str:
    """UTF-8 bytes as text, without a leading byte-order mark; invalid UTF-8 is refused.

    Raises
    ------
    error
        The bytes are not UTF-8; the message names the line and column of the first bad byte.
    """
    raw = raw.removeprefix(BOM)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            f"{where} must be UTF-8 text; got byte 0x{raw[exc.start]:02x} at line {line}, "
            f"column {column} ({exc.reason})."
        ) from exc


def nesting_depth(doc: object, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of lists/dicts in ``doc`` (a scalar is 0), counted without recursion.

    Stops counting once ``limit + 1`` is reached (enough to refuse the document).
    """
    deepest = 0
    stack: list[tuple[object, int]] = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((v, depth) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def parse_document(text: str, *, kind: Kind, where: str, error: type[CitymatchError]) -> object:
    """Parse JSON or TOML text; refuse syntax errors and nesting beyond :data:`MAX_DEPTH`."""
    label = kind.upper()
    too_deep = f"{where} is nested too deeply: at most {MAX_DEPTH} levels of arrays and tables are accepted"
    try:
        doc: object = json.loads(text) if kind == "json" else tomllib.loads(text)
    except RecursionError as exc:
        raise error(f"{too_deep}; got more than the {label} parser can follow.") from exc
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{where} is not valid {label}: {exc}.") from exc
    depth = nesting_depth(doc)
    if depth > MAX_DEPTH:
        raise error(f"{too_deep}; got more than {MAX_DEPTH}.")
    return doc


def read_document(
    path: str | os.PathLike[str],
    *,
    where: str,
    error: type[CitymatchError],
    kind: Kind | None = None,
) -> object:
    """Read and parse a JSON or TOML file (``kind`` from the suffix unless given).

    Raises
    ------
    error
        The file cannot be read (see :func:`read_text`), is not valid JSON/TOML, or nests
        deeper than :data:`MAX_DEPTH`; the message names the file (``where``).
    """
    text = read_text(path, where=where, error=error)
    return parse_document(text, kind=kind or document_kind(path), where=where, error=error)
