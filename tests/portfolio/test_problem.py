"""Problems: models, files, and bad input refused with the field path, the rule and the value."""

from __future__ import annotations

import json

import pytest

import citymatch
from citymatch import portfolio as pf
from citymatch.portfolio import PortfolioError
from helpers import ROOT
from portfolio_helpers import FREE


def test_json_and_toml_round_trip(tmp_path):
    """The problem round-trips through JSON; the example TOML loads; the exported schema is current."""
    prob = pf.load_problem(ROOT / "examples" / "toronto_portfolio.toml")
    again = citymatch.PortfolioProblem.model_validate_json(prob.to_json())
    assert again == prob
    path = tmp_path / "p.json"
    path.write_text(prob.to_json())
    assert pf.load_problem(path) == prob
    assert pf.load_problem(str(path)) == prob
    schema = json.loads((ROOT / "schemas" / "portfolio-problem.schema.json").read_text())
    assert schema == citymatch.PortfolioProblem.model_json_schema()


def test_any_path_like_is_accepted(tmp_path):
    """A problem file can be named by any os.PathLike, not only str and pathlib.Path."""
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"start_year": 2026, "years": 1, "projects": [{"id": "A"}]}))

    class Spot:
        def __fspath__(self):
            return str(path)

    assert [p.id for p in pf.load_problem(Spot()).projects] == ["A"]


@pytest.mark.parametrize(
    ("patch", "pattern"),
    [
        ({"budget": -5}, r"budget: must be finite and ≥ 0; got -5"),
        (
            {"projects": [{"id": "A", "value": 1, "cost": -1}]},
            r"projects\[0\]\.cost: must be finite and ≥ 0; got -1",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "duration": 0}]},
            r"projects\[0\]\.duration: duration must be a positive number of years; got 0",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "start": 2031}]},
            r"project 'A': start year 2031 is outside the horizon 2026–2027",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "earliest": 2020}]},
            r"earliest year 2020 is outside the horizon",
        ),
        ({"dependencies": {"A": ["Z"]}}, r"dependency names an unknown project 'Z'"),
        (
            {
                "projects": [{"id": "A", "value": 1}, {"id": "B", "value": 1}],
                "dependencies": {"A": ["B"], "B": ["A"]},
            },
            r"dependencies form a cycle: A → B → A",
        ),
        (
            {"new_per_year_min": 3, "new_per_year_max": 2},
            r"new_per_year_min 3 is greater than new_per_year_max 2",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "cost": [1, 2], "duration": 3}]},
            r"cost lists 2 yearly values but duration is 3 years",
        ),
        (
            {"projects": [{"id": "A", "value": 1}, {"id": "A", "value": 2}]},
            r"project ids must be unique; repeated: \['A'\]",
        ),
        ({"budgett": 5}, r"budgett: Extra inputs are not permitted"),
    ],
)
def test_bad_problems(patch, pattern):
    """Each invalid problem is refused with the field path, the rule and the value."""
    problem = {"start_year": 2026, "years": 2, "projects": [{"id": "A", "value": 1}], **patch}
    with pytest.raises(PortfolioError, match=pattern):
        pf.load_problem(problem)


def test_missing_value_and_bad_options(tmp_path):
    """A project without a value (and no value criteria) is refused; so are bad options and files."""
    with pytest.raises(PortfolioError, match=r"project 'A' has no `value`"):
        citymatch.optimize_portfolio(
            {"start_year": 2026, "years": 1, **FREE, "projects": [{"id": "A"}]}
        )
    bad = tmp_path / "bad.toml"
    bad.write_text("start_year = ")
    with pytest.raises(PortfolioError, match=r"bad.toml' is not valid TOML"):
        pf.load_problem(bad)
    with pytest.raises(PortfolioError, match=r"missing.json' cannot be read: No such file"):
        pf.load_problem(tmp_path / "missing.json")
    with pytest.raises(
        citymatch.errors.CitymatchTypeError, match=r"`problem` must be a PortfolioProblem"
    ):
        pf.load_problem(42)
