"""Proposals in (issue 17): a folder of proposals becomes a screened candidate table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import citymatch
from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import EXAMPLE_AS_OF, load_cities, load_example_register
from citymatch.models.agreement import Proposal
from helpers import ROOT

FOLDER = ROOT / "examples" / "proposals"


def test_example_proposals_become_a_screened_candidate_table():
    """The four example proposals name three partners (Paris twice: merged, 2 endorsements,
    $190,000 and 1.0 staff asked); their rows carry the candidate's own values; Panama City,
    an active MOU in the register, is screened out as already a partner."""
    proposals = ag.load_proposals(FOLDER)
    assert [p.id for p in proposals] == [
        "mumbai-diaspora",
        "panama-logistics",
        "paris-council",
        "paris-tech",
    ]
    cities = load_cities()
    reg = load_example_register()
    table = ag.proposal_table(proposals, cities, reg, as_of=EXAMPLE_AS_OF)
    in_force = {
        p for a in reg if a.status_on(EXAMPLE_AS_OF) in ("active", "expiring") for p in a.partners
    }
    ids = table["id"].tolist()
    assert ids[:3] == ["mumbai", "panama-city", "paris"]  # the proposed partners first
    assert set(ids[3:]) == in_force - {"panama-city"}  # then every partner in force, unproposed
    assert (table["proposals"].iloc[3:] == "").all() and (table["endorsements"].iloc[3:] == 0).all()
    table = table.iloc[:3]
    paris = table.set_index("id").loc["paris"]
    assert paris["proposals"] == "paris-council; paris-tech"
    assert (paris["endorsements"], paris["proposed_budget"], paris["proposed_staff"]) == (
        2,
        190000.0,
        1.0,
    )
    assert paris["proposer_kinds"] == "elected official; city staff"
    by_id = cities.set_index("id")
    assert table.set_index("id")["population"].to_dict() == {
        i: by_id.loc[i, "population"] for i in ("mumbai", "panama-city", "paris")
    }
    assert table.set_index("id")["existing_active"].to_dict() == {
        "mumbai": 0,
        "panama-city": 1,
        "paris": 0,
    }
    r = citymatch.rank(table, "partnership-city")
    assert set(r.to_frame()["id"]) == {"mumbai", "paris"}
    assert r.excluded.set_index("id").loc["panama-city", "rule"] == "already_partner"


def test_the_region_rule_counts_partners_in_force_that_nobody_proposed():
    """Berlin shares its region with Frankfurt (in force, not proposed): one relationship per
    region screens Berlin out, as it does in the full candidate table; Rome, with Milan and
    Matera in force, likewise; Mumbai and Paris (no partner in their regions) stay."""
    rows = [
        Proposal.model_validate(
            {"id": f"p-{c}", "proposer": "x", "proposer_kind": "city staff", "partner": c}
        )
        for c in ("berlin", "rome", "mumbai", "paris")
    ]
    table = ag.proposal_table(rows, load_cities(), load_example_register(), as_of=EXAMPLE_AS_OF)
    r = citymatch.rank(table, "partnership-city", missing="worst")
    out = r.excluded.set_index("id")["rule"]
    assert out.loc["berlin"] == "one_per_region" and out.loc["rome"] == "one_per_region"
    assert set(r.to_frame()["id"]) == {"mumbai", "paris"}


def test_proposals_command(tmp_path):
    """`citymatch proposals FOLDER --criteria partnership-city` ranks the proposed partners
    and lists Panama City as screened out."""
    out = tmp_path / "p.txt"
    args = ["proposals", str(FOLDER), "--criteria", "partnership-city", "--output", str(out)]
    assert main(args) == 0
    text = out.read_text("utf-8")
    assert text.startswith("4 proposals for 3 partners")
    assert "panama-city already_partner" in " ".join(text.split())


def test_proposal_errors_name_the_file_and_partner(tmp_path):
    """A bad field names the file and the field; an unknown partner names the proposal; a
    duplicate id names both files."""
    (tmp_path / "a.toml").write_text(
        'id = "a"\nproposer = "x"\nproposer_kind = "mayor"\npartner = "paris"\n'
    )
    with pytest.raises(ag.RegisterError, match=r"proposal file '.*a.toml': proposer_kind: "):
        ag.load_proposals(tmp_path)
    (tmp_path / "a.toml").write_text(
        'id = "a"\nproposer = "x"\nproposer_kind = "partner"\npartner = "atlantis"\n'
    )
    (tmp_path / "b.toml").write_text(
        'id = "a"\nproposer = "y"\nproposer_kind = "partner"\npartner = "paris"\n'
    )
    with pytest.raises(ag.RegisterError, match=r"b.toml': id 'a' is already used by '.*a.toml'"):
        ag.load_proposals(tmp_path)
    (tmp_path / "b.toml").unlink()
    (only,) = ag.load_proposals(tmp_path)
    with pytest.raises(
        ag.RegisterError,
        match=r"proposal 'a': partner 'atlantis' is not a row of the candidate table",
    ):
        ag.proposal_table([only], pd.DataFrame({"id": ["paris"]}), as_of=date(2026, 1, 1))


def test_missing_folder_and_table_without_ids(tmp_path):
    """A missing proposal folder and a candidate table without `id` are refused by name."""
    with pytest.raises(ag.RegisterError, match=r"proposal folder '.*nowhere' does not exist"):
        ag.load_proposals(tmp_path / "nowhere")
    proposals = ag.load_proposals(FOLDER)
    with pytest.raises(ag.RegisterError, match=r"`candidates` must have an `id` column"):
        ag.proposal_table(proposals, pd.DataFrame({"name": ["Paris"]}))
