"""Loading a portfolio problem (model, mapping, JSON or TOML path) and reading its values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeAlias

from .._files import read_document
from ..errors import CitymatchTypeError, PortfolioError
from ..models._base import validate_model
from ..models.portfolio import PortfolioProblem

__all__ = ["ProblemLike", "load_problem", "project_values"]

#: Every accepted spelling of a problem: a model, a mapping, or a JSON/TOML file.
ProblemLike: TypeAlias = PortfolioProblem | Mapping[str, object] | str | os.PathLike[str]


def load_problem(problem: ProblemLike) -> PortfolioProblem:
    """A :class:`~citymatch.PortfolioProblem` from a model, a mapping, or a JSON/TOML path.

    A path ending in ``.json`` is read as JSON, any other as TOML.

    Raises
    ------
    PortfolioError
        Invalid problem, unreadable or unparsable file; the message names the file (if any),
        the field path and the value.
    CitymatchTypeError
        ``problem`` is none of the accepted types.
    """
    if isinstance(problem, PortfolioProblem):
        return problem
    where = "portfolio problem"
    if isinstance(problem, (str, os.PathLike)):
        path = Path(problem)
        where = f"portfolio problem {str(path)!r}"
        data = _read(path, where)
    elif isinstance(problem, Mapping):
        data = dict(problem)
    else:
        raise CitymatchTypeError(
            "`problem` must be a PortfolioProblem, a dict or a JSON/TOML path; "
            f"got {type(problem).__name__}."
        )
    return validate_model(PortfolioProblem, data, where=where, error=PortfolioError)


def _read(path: Path, where: str) -> object:
    return read_document(path, where=where, error=PortfolioError)


def project_values(problem: PortfolioProblem) -> list[float]:
    """Every project's value, in project order.

    Raises
    ------
    PortfolioError
        A project has no ``value`` (name it, and say how to compute one).
    """
    out = []
    for p in problem.projects:
        if p.value is None:
            raise PortfolioError(
                f"project {p.id!r} has no `value`: give one, or compute values with score_projects()."
            )
        out.append(float(p.value))
    return out
