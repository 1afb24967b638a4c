"""Shared pieces of the domain models: the frozen base class and validation-error wording."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import CitymatchError

__all__ = ["Frozen", "format_validation_error", "repeated", "require_unique", "validate_model"]

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    """Immutable model that refuses unknown fields (a typo is an error, not ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def format_validation_error(exc: ValidationError, where: str) -> str:
    """One line per problem: ``field.path[i]: rule; got value`` prefixed by ``where``."""
    parts = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        got = err.get("input")
        got_txt = "" if isinstance(got, Mapping) else f"; got {got!r}"
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc or '(top level)'}: {msg}{got_txt}")
    return f"{where}: " + "; ".join(parts)


def validate_model(model: type[M], data: object, *, where: str, error: type[CitymatchError]) -> M:
    """``model`` validated from ``data``, or ``error`` worded by :func:`format_validation_error`.

    The one place a document's data becomes a model: criteria sets, policies, register
    and proposal files, agreement tables and portfolio problems (``where: field: rule; got``).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(format_validation_error(exc, where)) from exc


def repeated(values: Iterable[str]) -> list[str]:
    """The values that occur more than once, sorted (one pass, so linear in the count)."""
    return sorted(v for v, n in Counter(values).items() if n > 1)


def require_unique(values: Iterable[str], what: str) -> None:
    """A model rule: ``what`` must be unique (a ValueError naming the repeated ones)."""
    twice = repeated(values)
    if twice:
        raise ValueError(f"{what} must be unique; repeated: {twice}")
