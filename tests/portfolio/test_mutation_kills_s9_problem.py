"""Tests written to kill surviving mutants of ``portfolio/problem.py`` (session 9, lead;
docs/mutation/session9-lead.md): the refusals' wording, which the docstrings promise."""

from __future__ import annotations

import pytest

from citymatch.errors import CitymatchTypeError, PortfolioError
from citymatch.portfolio.problem import load_problem


def test_a_problem_of_another_type_is_refused_naming_the_accepted_forms_and_the_type():
    """A number is neither a problem, a dict nor a path: the message names the three forms
    and the type received."""
    with pytest.raises(
        CitymatchTypeError,
        match=r"^`problem` must be a PortfolioProblem, a dict or a JSON/TOML path; got int\.$",
    ):
        load_problem(42)


def test_an_invalid_problem_names_where_and_the_field():
    """A dict that does not validate is refused as a "portfolio problem", field by field."""
    with pytest.raises(PortfolioError, match=r"^portfolio problem: start_year: Field required"):
        load_problem({"budget": 1.0})
