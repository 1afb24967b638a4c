"""Criteria sets: shipped files, TOML loading and errors, JSON round-trip, weights, rules."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
import warnings

import numpy as np
import pytest

import citymatch
from citymatch.errors import CriteriaError, CriteriaFileError, InconsistentJudgementsWarning
from helpers import ROOT

SHIPPED = ["alternative-partner", "friendship-city", "partnership-city", "project"]


def test_shipped_sets_are_listed_and_valid():
    """Four sets ship (three partner sets and the project set); each loads, weights sum to 1, cites the 2018 report and says the
    weights are our own proposal."""
    assert citymatch.list_criteria() == SHIPPED
    for name in SHIPPED:
        cs = citymatch.load_criteria(name)
        assert cs.name == name
        assert cs.weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert (cs.weights > 0).all()
        assert "Partnerships that Produce" in cs.source
        assert "own proposal" in cs.weights_note
        assert cs.implements


def test_repo_criteria_folder_is_what_ships():
    """criteria/*.toml in the repo are byte-identical to the sets inside the installed wheel."""
    from importlib import resources

    pkg = resources.files("citymatch").joinpath("criteria")
    for name in SHIPPED:
        assert (
            pkg.joinpath(f"{name}.toml").read_bytes()
            == (ROOT / "criteria" / f"{name}.toml").read_bytes()
        )


def test_load_by_name_works_from_another_directory(tmp_path):
    """After `pip install .`, load_criteria('partnership-city') works outside the checkout."""
    code = "import citymatch; cs = citymatch.load_criteria('partnership-city'); print(cs.name, citymatch.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    name, path = out.stdout.split()
    assert name == "partnership-city"
    assert "site-packages" in path  # the installed package, not the source tree


def test_partnership_city_weights_come_from_ahp():
    """partnership-city derives its weights from the AHP hierarchy in its file (CR ≤ 0.10)."""
    cs = citymatch.load_criteria("partnership-city")
    assert cs.weight_source.startswith("AHP (eigenvector, max CR")
    res = cs.ahp_result()
    assert res.max_cr <= 0.10
    goal = res.local["goal"].weights
    np.testing.assert_allclose(goal, [2 / 3, 1 / 3])
    np.testing.assert_allclose(cs.weights, [res.weights[i] for i in cs.ids])


def test_json_round_trip():
    """to_json → from_json gives an equal set with equal weights."""
    for name in SHIPPED:
        cs = citymatch.load_criteria(name)
        back = citymatch.CriteriaSet.from_json(cs.to_json())
        assert back == cs
        np.testing.assert_array_equal(back.weights, cs.weights)


def test_frozen_and_copy_on_access():
    """Sets are immutable and derived arrays are fresh copies."""
    cs = citymatch.load_criteria("friendship-city")
    with pytest.raises(ValueError, match="frozen"):
        cs.name = "x"  # type: ignore[misc]
    w = cs.weights
    w[0] = 99
    assert cs.weights[0] != 99


def test_with_weights():
    """with_weights gives a copy with direct weights (AHP dropped); bad weights are refused."""
    cs = citymatch.load_criteria("partnership-city")
    eq = cs.with_weights({i: 1 for i in cs.ids})
    np.testing.assert_allclose(eq.weights, np.full(len(cs.ids), 1 / len(cs.ids)))
    assert eq.ahp is None and eq.weight_source == "direct"
    with pytest.raises(CriteriaError, match=r"one weight per criterion id; unknown \['nope'\]"):
        cs.with_weights({"nope": 1, **{i: 1 for i in cs.ids}})
    with pytest.raises(CriteriaError, match=r"`weights` must have 7 elements .*got 2"):
        cs.with_weights([1, 2])
    with pytest.raises(
        CriteriaError, match=r"criteria\[0\].weight: Input should be greater than or equal to 0"
    ):
        cs.with_weights([-1, 1, 1, 1, 1, 1, 1])


BASE = """
format_version = 1
name = "mini"
title = "Mini"
version = "1"
[[criteria]]
id = "a"
label = "A"
direction = "benefit"
weight = 1
[[criteria]]
id = "b"
label = "B"
direction = "cost"
weight = 2
"""


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            BASE.replace("weight = 2", "wieght = 2"),
            r"criteria\[1\].wieght: Extra inputs are not permitted",
        ),
        (
            BASE.replace('direction = "cost"', 'direction = "MAX"'),
            r"criteria\[1\].direction: Input should be 'benefit' or 'cost'; got 'MAX'",
        ),
        (
            BASE.replace("weight = 2", "weight = -2"),
            r"criteria\[1\].weight: Input should be greater than or equal to 0; got -2",
        ),
        (BASE.replace('id = "b"', 'id = "a"'), r"criterion ids must be unique; repeated: \['a'\]"),
        (BASE.replace("weight = 2", ""), r"every criterion needs a `weight` .*missing for \['b'\]"),
        (BASE.replace('title = "Mini"', 'title = "Mini'), r"is not valid TOML"),
        (
            BASE + "\n[ahp]\nnodes = [{id='g', children=['a','b'], matrix=[[1,2],['1/2',1]]}]\n",
            r"not both",
        ),
        (
            BASE.replace("format_version = 1", "format_version = 2"),
            r"format_version: Input should be 1; got 2",
        ),
    ],
)
def test_toml_errors_name_file_and_key(tmp_path, text, pattern):
    """A broken criteria file gives CriteriaFileError naming the file and the key."""
    path = tmp_path / "mini.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaFileError, match=pattern) as info:
        citymatch.load_criteria(path)
    assert "mini.toml" in str(info.value)


def test_ahp_leaves_must_be_the_criteria(tmp_path):
    """AHP nodes whose leaves are not exactly the criterion ids are refused."""
    text = BASE.replace("weight = 1\n", "").replace("weight = 2\n", "") + textwrap.dedent(
        """
        [ahp]
        [[ahp.nodes]]
        id = "g"
        children = ["a", "c"]
        matrix = [[1, 2], ["1/2", 1]]
        """
    )
    path = tmp_path / "leaves.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaFileError, match=r"leaves \['a', 'c'\] vs criteria \['a', 'b'\]"):
        citymatch.load_criteria(path)


def test_inconsistent_ahp_judgements_warn(tmp_path):
    """Judgements with CR above the threshold load with an InconsistentJudgementsWarning."""
    text = textwrap.dedent(
        """
        format_version = 1
        name = "bad"
        title = "Bad"
        version = "1"
        criteria = [
          {id = "a", label = "A", direction = "benefit"},
          {id = "b", label = "B", direction = "benefit"},
          {id = "c", label = "C", direction = "benefit"},
        ]
        [ahp]
        [[ahp.nodes]]
        id = "g"
        children = ["a", "b", "c"]
        matrix = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
        """
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.warns(InconsistentJudgementsWarning, match=r"not acceptably consistent \(CR > 0.1"):
        cs = citymatch.load_criteria(path)
    assert cs.weights.sum() == pytest.approx(1)


def test_unknown_name_and_missing_file(tmp_path):
    """Unknown set names list the available sets; missing files name the path."""
    with pytest.raises(
        CriteriaError, match=r"names no shipped set; got 'partnership'; available: \["
    ):
        citymatch.load_criteria("partnership")
    with pytest.raises(CriteriaFileError, match=r"nothere.toml' cannot be read"):
        citymatch.load_criteria(tmp_path / "nothere.toml")


def test_shipped_files_have_header_and_no_timestamps():
    """Each data file starts with a version header and source citation; no timestamps."""
    for name in SHIPPED:
        text = (ROOT / "criteria" / f"{name}.toml").read_text("utf-8")
        assert text.startswith("# citymatch criteria set — format_version 1\n# Source:")
        assert tomllib.loads(text)["version"]
        assert "generated" not in text.lower()


def test_screening_rule_validation():
    """Rules are checked when built: max_per_group needs `occupied`; 'in' needs a list."""
    with pytest.raises(ValueError, match=r"needs `occupied`"):
        citymatch.ScreeningRule(id="r", description="d", kind="max_per_group", column="region")
    with pytest.raises(ValueError, match=r"op 'in' needs a list `value`"):
        citymatch.ScreeningRule(
            id="r", description="d", kind="require", column="c", op="in", value=3
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        citymatch.ScreeningRule(
            id="r", description="d", kind="max_total", occupied="active", max=10
        )
