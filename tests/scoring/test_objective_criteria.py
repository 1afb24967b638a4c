"""Criteria sets that name their weights: objective (entropy, CRITIC, std, equal) or from a
ranking of the criteria (roc, rank_sum with ``criteria_order``), and ``rank()`` with them.

Expected weights are computed here from the published definitions, never by citymatch.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch.errors import CriteriaError, CriteriaFileError

HEAD = """format_version = 1
name = "obj"
title = "Objective demo"
version = "1"
"""
CRITERIA = """
[[criteria]]
id = "trade"
label = "Trade"
direction = "benefit"

[[criteria]]
id = "talent"
label = "Talent"
direction = "benefit"

[[criteria]]
id = "cost"
label = "Cost"
direction = "cost"
"""
SCREEN = """
[[screening]]
id = "no-x"
description = "x is out"
kind = "exclude"
column = "id"
op = "=="
value = "x"
"""
TABLE = pd.DataFrame(
    {
        "id": ["a", "b", "c", "d", "x"],
        "trade": [3.0, 5.0, 4.0, 1.0, 100.0],
        "talent": [2.0, 2.5, 9.0, 4.0, 100.0],
        "cost": [1.0, 3.0, 2.0, 6.0, 0.5],
    }
)
RANKED = TABLE.iloc[:4]  # "x" is screened out: the weights must not see it
COLS = ["trade", "talent", "cost"]


def _write(tmp_path, body: str):
    path = tmp_path / "obj.toml"
    path.write_text(HEAD + body, "utf-8")
    return path


def _entropy(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    w = []
    for col in x.T:
        p = col / col.sum()
        e = -sum(v * math.log(v) for v in p if v > 0) / math.log(n)
        w.append(1 - e)
    w = np.array(w)
    return w / w.sum()


def _towards_best(x: np.ndarray, benefit: list[bool]) -> np.ndarray:
    lo, hi = x.min(0), x.max(0)
    return np.where(benefit, (x - lo) / (hi - lo), (hi - x) / (hi - lo))


def _critic(x: np.ndarray, benefit: list[bool]) -> np.ndarray:
    z = _towards_best(x, benefit)
    m = z.shape[1]
    c = []
    for j in range(m):
        sd = np.std(z[:, j], ddof=1)
        conflict = sum(1 - np.corrcoef(z[:, j], z[:, k])[0, 1] for k in range(m))
        c.append(sd * conflict)
    c = np.array(c)
    return c / c.sum()


BENEFIT = [True, True, False]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("entropy", lambda x: _entropy(x)),
        ("critic", lambda x: _critic(x, BENEFIT)),
        ("std", lambda x: (s := _towards_best(x, BENEFIT).std(0, ddof=1)) / s.sum()),
    ],
)
def test_rank_computes_data_weights_from_the_candidates_ranked(tmp_path, method, expected):
    """`weights = "<method>"` in a TOML set: rank() computes the weights from the candidates
    left after screening (the screened-out row would change them), uses them, and records
    them in `Ranking.weights` and `Ranking.weights_source`."""
    cs = citymatch.load_criteria(_write(tmp_path, f'weights = "{method}"\n' + CRITERIA + SCREEN))
    assert cs.needs_data and cs.weight_method == method
    r = citymatch.rank(TABLE, cs)
    want = expected(RANKED[COLS].to_numpy())
    np.testing.assert_allclose(r.weights.loc[COLS].to_numpy(), want, rtol=0, atol=1e-12)
    assert r.weights_source == f"{method} (objective), computed from the 4 candidates ranked"
    assert r.criteria.weight_source == r.weights_source
    # the scores are TOPSIS under exactly those weights
    direct = citymatch.topsis(RANKED[COLS].to_numpy(), want, [1, 1, -1])
    by_id = r.table.set_index("id").loc[list(RANKED["id"])]
    np.testing.assert_allclose(by_id["score"], direct.scores, rtol=0, atol=1e-6)


def test_data_weights_with_another_method():
    """An entropy set ranked with VIKOR: Q is VIKOR's under the entropy weights."""
    cs = citymatch.CriteriaSet(
        name="obj",
        title="t",
        version="1",
        weights="entropy",
        criteria=[
            {"id": c, "label": c, "direction": "cost" if c == "cost" else "benefit"} for c in COLS
        ],
    )
    r = citymatch.rank(RANKED, cs, method="vikor")
    want = _entropy(RANKED[COLS].to_numpy())
    ref = citymatch.vikor(RANKED[COLS].to_numpy(), want, [1, 1, -1])
    np.testing.assert_allclose(r.table.set_index("id").loc[list(RANKED["id"])]["score"], ref.scores)


@pytest.mark.parametrize(
    ("method", "by_place"),
    [
        ("roc", [(1 + 1 / 2 + 1 / 3) / 3, (1 / 2 + 1 / 3) / 3, (1 / 3) / 3]),
        ("rank_sum", [3 / 6, 2 / 6, 1 / 6]),
    ],
)
def test_rank_order_weights(tmp_path, method, by_place):
    """`weights = "roc"` / `"rank_sum"` with `criteria_order` (most important first): the
    set's weights are the published formulas by place, known without data, and rank() uses
    them."""
    body = f'weights = "{method}"\ncriteria_order = ["cost", "trade", "talent"]\n' + CRITERIA
    cs = citymatch.load_criteria(_write(tmp_path, body))
    place = {"cost": 0, "trade": 1, "talent": 2}
    want = [by_place[place[c]] for c in cs.ids]
    np.testing.assert_allclose(cs.weights, want, rtol=0, atol=1e-12)
    assert cs.weight_source == f"{method} from criteria_order (cost > trade > talent)"
    r = citymatch.rank(RANKED, cs)
    np.testing.assert_allclose(r.weights.loc[list(cs.ids)].to_numpy(), want, atol=1e-12)
    assert r.weights_source == cs.weight_source


def test_equal_weights(tmp_path):
    """`weights = "equal"`: 1/M each, without data."""
    cs = citymatch.load_criteria(_write(tmp_path, 'weights = "equal"\n' + CRITERIA))
    np.testing.assert_allclose(cs.weights, [1 / 3] * 3)
    assert cs.weight_source == "equal (1/M)"
    assert not cs.needs_data


def test_override_weights_win(tmp_path):
    """`rank(weights=...)` on an entropy set uses the given weights (no data weights)."""
    cs = citymatch.load_criteria(_write(tmp_path, 'weights = "entropy"\n' + CRITERIA))
    r = citymatch.rank(RANKED, cs, weights={"trade": 1, "talent": 1, "cost": 2})
    np.testing.assert_allclose(r.weights.loc[COLS].to_numpy(), [0.25, 0.25, 0.5])
    assert r.weights_source == "direct"


def test_data_weights_need_data():
    """An entropy set has no weights until it meets candidates: `.weights` says how to get
    them; `resolved(matrix)` computes them and names their origin; JSON keeps the name."""
    cs = citymatch.CriteriaSet(
        name="obj",
        title="t",
        version="1",
        weights="critic",
        criteria=[
            {"id": c, "label": c, "direction": "cost" if c == "cost" else "benefit"} for c in COLS
        ],
    )
    with pytest.raises(
        CriteriaError,
        match=r"computes its weights from the data being ranked \(weights = 'critic'\)",
    ):
        _ = cs.weights
    assert "critic" in repr(cs) and "trade, talent, cost" in repr(cs)
    x = RANKED[COLS].to_numpy()
    fixed = cs.resolved(x, what="four rows")
    np.testing.assert_allclose(fixed.weights, _critic(x, BENEFIT), atol=1e-12)
    assert fixed.weight_source == "critic (objective), computed from four rows"
    again = citymatch.CriteriaSet.from_json(cs.to_json())
    assert again.weight_method == "critic" and '"weights": "critic"' in cs.to_json()


def test_streamed_ranking_refuses_data_weights_clearly(tmp_path):
    """A streamed ranking cannot see all candidates before scoring: the set's error names
    the remedy instead of inventing weights."""
    pytest.importorskip("pyarrow")
    from citymatch.scale import rank_parquet

    path = tmp_path / "c.parquet"
    RANKED.to_parquet(path)
    cs = citymatch.CriteriaSet(
        name="obj",
        title="t",
        version="1",
        weights="entropy",
        criteria=[
            {"id": c, "label": c, "direction": "cost" if c == "cost" else "benefit"} for c in COLS
        ],
    )
    with pytest.raises(
        CriteriaError, match=r"`citymatch.rank\(\)` does so for the candidates it ranks"
    ):
        rank_parquet(path, cs)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'weights = "entropi"\n' + CRITERIA,
            r"weights: `weights` must name one of 'entropy', 'critic', 'std', 'equal', 'roc', 'rank_sum'.*got 'entropi'",
        ),
        (
            'weights = "roc"\n' + CRITERIA,
            r"`criteria_order` must name every criterion id once.*missing \['trade', 'talent', 'cost'\]",
        ),
        (
            'weights = "roc"\ncriteria_order = ["trade", "cost", "wages"]\n' + CRITERIA,
            r"missing \['talent'\], unknown \['wages'\], repeated \[\]",
        ),
        (
            'weights = "rank_sum"\ncriteria_order = ["trade", "trade", "talent", "cost"]\n'
            + CRITERIA,
            r"missing \[\], unknown \[\], repeated \['trade'\]",
        ),
        (
            'criteria_order = ["trade", "talent", "cost"]\n' + CRITERIA,
            r"`criteria_order` ranks the criteria for `weights = \"roc\"`",
        ),
        (
            'weights = "entropy"\ncriteria_order = ["trade", "talent", "cost"]\n' + CRITERIA,
            r"`criteria_order` is used by .* not 'entropy'",
        ),
        (
            'weights = "std"\n'
            + CRITERIA.replace('direction = "cost"', 'direction = "cost"\nweight = 2'),
            r"either per criterion or as `weights = 'std'` \(computed\), not both \(weights found on \['cost'\]\)",
        ),
        (
            'weights = "entropy"\n'
            + CRITERIA
            + '\n[ahp]\n[[ahp.nodes]]\nid = "goal"\nchildren = ["trade", "talent", "cost"]\nmatrix = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]\n',
            r"either as `ahp` judgements or as `weights = 'entropy'` \(computed\), not both",
        ),
    ],
)
def test_bad_named_weights_are_clear_errors(tmp_path, body, message):
    """Unknown name, an order that is not a permutation of the criteria, an order without
    roc/rank_sum, and judgements (or per-criterion weights) together with named weights:
    each a CriteriaFileError naming the file, the key and the rule."""
    with pytest.raises(CriteriaFileError, match=message):
        citymatch.load_criteria(_write(tmp_path, body))


def test_cli_validate_accepts_named_weights(tmp_path, capsys):
    """`citymatch criteria validate` accepts a set that names its weights and says which."""
    from citymatch.cli import main

    path = _write(tmp_path, 'weights = "entropy"\n' + CRITERIA)
    assert main(["criteria", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid criteria set 'obj'" in out
    assert "weights entropy (objective; computed from the candidates being ranked)" in out


def test_cli_show_lists_a_data_weighted_set(tmp_path, capsys):
    """`citymatch criteria show` on an entropy set lists the criteria with no numbers (the
    weights exist only for a candidate table) and says where they will come from."""
    from citymatch.cli import main

    path = _write(tmp_path, 'weights = "entropy"\n' + CRITERIA)
    assert main(["criteria", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "weights: entropy (objective; computed from the candidates being ranked)" in out
    assert [line.split()[:2] for line in out.splitlines() if line.startswith("  ")] == [
        ["trade", "nan"],
        ["talent", "nan"],
        ["cost", "nan"],
    ]


def test_data_weights_that_cannot_be_computed_name_the_set(tmp_path):
    """Entropy needs non-negative data: rank() on a table with a negative value raises a
    CriteriaError naming the set, the method, the candidates and the criterion columns."""
    cs = citymatch.load_criteria(_write(tmp_path, 'weights = "entropy"\n' + CRITERIA))
    bad = RANKED.assign(talent=[2.0, -1.0, 9.0, 4.0])
    with pytest.raises(
        CriteriaError,
        match=r"criteria set 'obj' \(weights = 'entropy'\) cannot compute its weights from "
        r"the 4 candidates ranked \(columns \['trade', 'talent', 'cost'\]\): `matrix` must be "
        r"non-negative for entropy weights .* got -1.0 at row 1, column 1",
    ):
        citymatch.rank(bad, cs)
