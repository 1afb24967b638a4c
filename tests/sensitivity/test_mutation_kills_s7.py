"""Tests written to kill surviving mutants of session 7 (MUTATION.md: ``sensitivity/_problem``,
``sensitivity/ahp_uncertainty``).

Every expected value is hand-solved (2×2 AHP weights ``a/(1+a)``, consistent matrices) or a
property of the documented distribution, never computed by the code under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import citymatch as cm
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchTypeError, CitymatchValueError, NonFiniteError, ShapeError


def _first_weights(a: list[float]) -> set[float]:
    """w₀ of the 2×2 matrix [[1, a], [1/a, 1]] for each judgement a: a / (1 + a)."""
    return {round(v / (1 + v), 12) for v in a}


@pytest.mark.parametrize(
    ("judgement", "reachable"),
    [(["1/9", 9], [1 / 9, 1 / 8]), ([9, "1/9"], [9.0, 8.0])],
)
def test_saaty_perturbation_stops_at_the_ends_of_the_scale(judgement, reachable):
    """A judgement at an end of Saaty's scale (1/9 or 9) moved by up to one step stays on the
    scale: it becomes itself or its one neighbour inside (both seen), never wraps around."""
    a, reciprocal = judgement
    w, _ = sa.ahp_weight_samples([[1, a], [reciprocal, 1]], samples=200, rng=3)
    assert set(np.round(w[:, 0], 12)) == _first_weights(reachable)


def test_saaty_perturbation_of_spread_zero_keeps_every_judgement():
    """Spread 0 under the Saaty perturbation leaves each judgement of a matrix on the scale as
    it is: a consistent 3×3 matrix gives its exact weights 4/7, 2/7, 1/7 in every sample."""
    m = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]
    w, cr = sa.ahp_weight_samples(m, samples=4, spread=0.0, rng=0)
    np.testing.assert_allclose(w, np.tile([4 / 7, 2 / 7, 1 / 7], (4, 1)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cr, 0.0, atol=1e-12)


def test_multiplicative_perturbation_of_spread_zero_keeps_off_scale_judgements():
    """Spread 0 under the multiplicative perturbation keeps a judgement that is not on Saaty's
    scale (2.5: w₀ = 2.5/3.5), and takes an integer ndarray (all ones: equal weights)."""
    w, _ = sa.ahp_weight_samples(
        [[1, 2.5], [0.4, 1]], samples=3, perturbation="multiplicative", spread=0.0, rng=0
    )
    np.testing.assert_allclose(w[:, 0], 2.5 / 3.5, rtol=0, atol=1e-12)
    ones = np.ones((3, 3), dtype=np.int64)
    w, _ = sa.ahp_weight_samples(ones, samples=2, perturbation="multiplicative", spread=0.0)
    np.testing.assert_allclose(w, 1 / 3, rtol=0, atol=1e-12)


def test_multiplicative_perturbation_has_the_documented_log_normal_spread():
    """``a·exp(spread·ε)``, ε standard normal and fresh for every sample: for a 2×2 matrix
    ln(w₀/w₁) = ln a + spread·ε, so over 4,000 samples its mean is ln a and its standard
    deviation spread (within sampling error: ±0.02 and ±5 %)."""
    w, _ = sa.ahp_weight_samples(
        [[1, 2.5], [0.4, 1]], samples=4000, perturbation="multiplicative", spread=0.3, rng=11
    )
    log_ratio = np.log(w[:, 0] / w[:, 1])
    assert abs(log_ratio.mean() - np.log(2.5)) < 0.02
    assert abs(log_ratio.std() - 0.3) < 0.015


def test_ahp_weight_samples_defaults_draw_1000_samples_one_saaty_step_away():
    """By default 1,000 samples are drawn, each judgement moved by at most one Saaty step: a
    2×2 judgement of 3 becomes 2, 3 or 4 (w₀ = 2/3, 3/4 or 4/5), never 1 or 5."""
    w, cr = sa.ahp_weight_samples([[1, 3], ["1/3", 1]], rng=8)
    assert w.shape == (1000, 2) and cr.shape == (1000,)
    assert set(np.round(w[:, 0], 12)) == _first_weights([2.0, 3.0, 4.0])


def test_ahp_weight_samples_takes_one_sample_and_a_zero_cr_limit():
    """``samples=1`` and ``max_cr=0`` are valid (a 2×2 matrix is always consistent), and a
    sample count that is not a positive integer (True, 2.5) is refused."""
    w, cr = sa.ahp_weight_samples([[1, 3], ["1/3", 1]], samples=1, max_cr=0.0, rng=1)
    assert w.shape == (1, 2) and cr.tolist() == [0.0]
    for bad in (True, 2.5):
        with pytest.raises(
            CitymatchValueError, match=rf"`samples` must be a positive integer; got {bad}"
        ):
            sa.ahp_weight_samples([[1, 3], ["1/3", 1]], samples=bad)


def test_ahp_weight_samples_refusal_counts_kept_and_drawn_sets():
    """When too few perturbed sets meet ``max_cr``, the refusal states how many were kept and
    drawn: under spread 0 every set is the given matrix (CR > 0, so none has CR ≤ 1e-12), and
    20 samples allow 50 × 20 = 1,000 draws, made in blocks of 256 (so 1,024)."""
    m = [[1, 3, 5, 7], ["1/3", 1, 2, 4], ["1/5", "1/2", 1, 3], ["1/7", "1/4", "1/3", 1]]
    with pytest.raises(CitymatchValueError, match=r"^only 0 of 1024 perturbed judgement sets"):
        sa.ahp_weight_samples(m, samples=20, spread=0.0, max_cr=1e-12, rng=5)


def _node_cr(m: np.ndarray, ri: float) -> tuple[np.ndarray, float]:
    """Principal eigenvector (sum 1) and CR = (λmax − n)/((n − 1)·RI), by numpy's eig."""
    vals, vecs = np.linalg.eig(m)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)
    n = m.shape[0]
    return v / v.sum(), (vals[k].real - n) / ((n - 1) * ri) if n > 2 else 0.0


def test_ahp_weight_samples_of_a_hierarchy_use_its_ri_table_and_exact_eigenvectors():
    """A criteria set's own RI table (Alonso & Lamata 2006: RI(3) = 0.5247, RI(4) = 0.8816)
    gives each sample's largest node CR, and the weights are the nodes' principal
    eigenvectors multiplied down the tree (to 1e-9; spread 0 keeps every judgement)."""
    cs = cm.load_criteria("partnership-city")
    assert cs.ahp is not None
    cs = cs.model_copy(update={"ahp": cs.ahp.model_copy(update={"ri": "alonso_lamata2006"})})
    ri = {3: 0.5247, 4: 0.8816, 2: 1.0}
    nodes = {
        n.id: (list(n.children), np.array([[sa.eval_fraction(v) for v in r] for r in n.matrix]))
        for n in cs.ahp.nodes
    }
    local = {nid: _node_cr(m, ri[m.shape[0]]) for nid, (_, m) in nodes.items()}
    expected = {}
    for child, share in zip(nodes["goal"][0], local["goal"][0], strict=True):
        for leaf, v in zip(nodes[child][0], local[child][0], strict=True):
            expected[leaf] = share * v
    w, cr = sa.ahp_weight_samples(cs, samples=2, spread=0.0, rng=0)
    np.testing.assert_allclose(w, np.tile([expected[i] for i in cs.ids], (2, 1)), atol=1e-9)
    np.testing.assert_allclose(cr, max(c for _, c in local.values()), rtol=1e-9)


def _sweep_scores(x: np.ndarray, wv: np.ndarray, t: np.ndarray, norm: str, plain) -> np.ndarray:
    return np.array([plain(x, v, t, norm) for v in wv])


def test_weight_sweep_of_a_ranking_takes_the_weights_and_types_given(ranking, plain_topsis):
    """A Ranking's weights and types are overridden by the ones passed: the sweep's base
    proportions are the given weights, and its scores are textbook TOPSIS with the given
    directions."""
    x = ranking.matrix.to_numpy()
    m = x.shape[1]
    w = np.arange(1.0, m + 1)
    t = -ranking.criteria.types
    res = sa.weight_sweep(ranking, 0, weights=w, types=t, points=3)
    rest = w[1:] / w[1:].sum()
    np.testing.assert_allclose(res.weight_vectors[0], [0.0, *rest], atol=1e-12)
    np.testing.assert_allclose(
        res.scores, _sweep_scores(x, res.weight_vectors, t, "vector", plain_topsis), atol=1e-9
    )


def test_weight_sweep_of_a_ranking_keeps_its_normalisation(plain_topsis):
    """A TOPSIS ranking made with min-max normalisation is swept under min-max."""
    r = cm.rank(cm.datasets.load_cities(), "partnership-city", normalization="minmax")
    res = sa.weight_sweep(r, 1, points=2)
    x = r.matrix.to_numpy()
    expected = _sweep_scores(x, res.weight_vectors, r.criteria.types, "minmax", plain_topsis)
    np.testing.assert_allclose(res.scores, expected, atol=1e-9)


@pytest.mark.parametrize(
    ("given", "missing"), [({"weights": [1, 1]}, "types"), ({"types": [1, 1]}, "weights")]
)
def test_a_raw_matrix_needs_both_weights_and_types(given, missing):
    """A raw matrix with only one of ``weights`` / ``types`` is refused, naming the other."""
    msg = rf"^pass a Ranking, or `matrix` with `weights` and `types`; got a matrix without {missing}\.$"
    with pytest.raises(CitymatchTypeError, match=msg):
        sa.weight_sweep([[1.0, 2.0], [2.0, 1.0]], 0, **given)


def test_ahp_weight_samples_refuse_exactly_when_the_draw_budget_is_spent():
    """The budget is 50 draws per requested sample: 256 samples (rounds of 256) are refused
    after exactly 50 rounds, 12,800 draws; 5 samples all kept in the first round of 256 draws
    (≥ 250) are returned, not refused."""
    m = [[1, 2, 4], ["1/2", 1, 4], ["1/4", "1/4", 1]]  # CR > 0, unchanged under spread 0
    with pytest.raises(CitymatchValueError, match=r"^only 0 of 12800 perturbed judgement sets"):
        sa.ahp_weight_samples(m, samples=256, spread=0.0, max_cr=1e-12, rng=0)
    w, _ = sa.ahp_weight_samples(m, samples=5, spread=0.0, max_cr=0.5, rng=0)
    assert w.shape == (5, 3)


_SAATY = np.array(
    [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
)
_M4 = np.array([[1, 2, 4, 3], [1 / 2, 1, 4, 1], [1 / 4, 1 / 4, 1, 2], [1 / 3, 1, 1 / 2, 1]])


def _eig(m: np.ndarray) -> tuple[np.ndarray, float]:
    """Principal eigenvector (sum 1) and eigenvalue, by numpy's eig."""
    vals, vecs = np.linalg.eig(m)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)
    return v / v.sum(), float(vals[k].real)


def _cr4(m: np.ndarray, ri: float) -> float:
    return (_eig(m)[1] - 4) / (3 * ri)


def _revised(m: np.ndarray, i: int, j: int, v: float) -> np.ndarray:
    out = m.copy()
    out[i, j], out[j, i] = v, 1 / v
    return out


def test_ahp_repair_judgement_table_against_numpy_eig():
    """Each judgement i < j of a 4×4 matrix, worst error first: its consistent value w_i/w_j
    (w: numpy's principal eigenvector), the nearest value on Saaty's scale (in log distance),
    the error |ln(a_ij w_j / w_i)| and the CR after that one revision under the RI table asked
    for (Alonso & Lamata 2006: RI(4) = 0.8816); the table has exactly these columns."""
    res = sa.ahp_repair(_M4, ri="alonso_lamata2006", threshold=0.5)
    w, _ = _eig(_M4)
    rows = []
    for i in range(4):
        for j in range(i + 1, 4):
            cv = w[i] / w[j]
            near = float(_SAATY[np.argmin(np.abs(np.log(_SAATY) - np.log(cv)))])
            err = abs(np.log(_M4[i, j] * w[j] / w[i]))
            rows.append((err, str(i), str(j), cv, near, _cr4(_revised(_M4, i, j, near), 0.8816)))
    rows.sort(reverse=True)  # the errors are distinct (0.74, 0.71, 0.63, 0.21, 0.19, 0.04)
    t = res.judgements
    assert list(t.columns) == [
        "i", "j", "a_ij", "consistent_value", "nearest_saaty", "error", "cr_if_revised"
    ]  # fmt: skip
    assert list(zip(t["i"], t["j"], strict=True)) == [(r[1], r[2]) for r in rows]
    np.testing.assert_allclose(t["error"], [r[0] for r in rows], rtol=1e-6)
    np.testing.assert_allclose(t["consistent_value"], [r[3] for r in rows], rtol=1e-6)
    assert t["nearest_saaty"].tolist() == [r[4] for r in rows]
    np.testing.assert_allclose(t["cr_if_revised"], [r[5] for r in rows], rtol=1e-6)
    assert res.cr == pytest.approx(_cr4(_M4, 0.8816), rel=1e-6)


def test_ahp_repair_repr_names_the_worst_judgement_and_the_final_cr():
    """The repr states the CR, the worst judgement (the first row: a[2,3] = 2, consistent value
    w₂/w₃) with its consistent value, the number of revisions and the CR after the last; the
    given CR when none was needed; the HTML form carries the same line.  The first revision is
    the best of the three worst judgements' two candidate values."""
    w, _ = _eig(_M4)
    res = sa.ahp_repair(_M4)
    cr = _cr4(_M4, 0.90)  # Saaty's RI(4)
    head = f"AHPRepairResult(CR {cr:.4f}; worst judgement a[2,3] = 2 (consistent value {w[2] / w[3]:.4g}); "
    assert repr(res).startswith(head)
    assert repr(res).endswith(f"revision(s) → CR {float(res.steps['cr_after'].iloc[-1]):.4f})")
    assert repr(res) in res._repr_html_()
    candidates = [
        _cr4(_revised(_M4, i, j, v), 0.90)
        for i, j in ((2, 3), (1, 2), (1, 3))
        for v in (
            float(_SAATY[np.argmin(np.abs(np.log(_SAATY) - np.log(w[i] / w[j])))]),
            w[i] / w[j],
        )
        if v != _M4[i, j]
    ]
    assert res.steps["cr_after"].iloc[0] == pytest.approx(min(candidates), abs=1e-9)
    consistent = sa.ahp_repair([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]])
    assert repr(consistent).endswith("0 revision(s) → CR 0.0000)")


def test_ahp_repair_steps_lower_the_cr_under_the_ri_table_asked_for():
    """With threshold 0 the greedy repair goes on while a revision lowers the CR (each step's
    CR below the last) and then stops; the first step is the best of the three worst
    judgements' candidates under the RI table asked for (Alonso & Lamata: RI(4) = 0.8816)."""
    w, _ = _eig(_M4)
    res = sa.ahp_repair(_M4, ri="alonso_lamata2006", threshold=0.0)
    candidates = [
        _cr4(_revised(_M4, i, j, v), 0.8816)
        for i, j in ((2, 3), (1, 2), (1, 3))
        for v in (
            float(_SAATY[np.argmin(np.abs(np.log(_SAATY) - np.log(w[i] / w[j])))]),
            w[i] / w[j],
        )
        if v != _M4[i, j]
    ]
    assert res.steps["cr_after"].iloc[0] == pytest.approx(min(candidates), abs=1e-9)
    crs = [res.cr, *res.steps["cr_after"]]
    assert all(b < a for a, b in itertools.pairwise(crs))


def test_ahp_repair_stops_at_a_cr_equal_to_the_threshold_and_checks_its_arguments():
    """A CR equal to the threshold needs no revision (CR ≤ threshold); the steps table keeps
    its five columns when empty; wrong labels and a negative threshold are refused."""
    cr = sa.ahp_repair(_M4).cr
    res = sa.ahp_repair(_M4, threshold=cr)
    assert res.steps.empty and list(res.steps.columns) == ["i", "j", "from", "to", "cr_after"]
    with pytest.raises(ShapeError, match=r"`labels` must have 4 names \(one per element\); got 2"):
        sa.ahp_repair(_M4, labels=["a", "b"])
    with pytest.raises(CitymatchValueError, match=r"`threshold` must be a number ≥ 0; got -1.0"):
        sa.ahp_repair(_M4, threshold=-1.0)


_X3 = [[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]]


def test_weight_sweep_shares_the_rest_equally_when_the_other_weights_are_zero():
    """When every other weight is zero the remainder 1 − v is shared equally: with weights
    (1, 0, 0) the sweep of criterion 0 starts at (0, 1/2, 1/2), with (1, 0) at (0, 1); a
    single criterion is swept from 0 to 1 alone."""
    x = [[1.0, 2.0, 3.0], [2.0, 1.0, 1.0], [3.0, 3.0, 2.0]]
    res = sa.weight_sweep(x, 0, [1, 0, 0], [1, 1, 1], points=3)
    np.testing.assert_allclose(res.weight_vectors, [[0, 0.5, 0.5], [0.5, 0.25, 0.25], [1, 0, 0]])
    two = sa.weight_sweep(_X3, 0, [1, 0], [1, 1], points=2)
    np.testing.assert_allclose(two.weight_vectors, [[0, 1], [1, 0]])
    one = sa.weight_sweep([[1.0], [2.0]], 0, [1], [1], points=2)
    np.testing.assert_allclose(one.weight_vectors, [[0], [1]])


def test_sensitivity_input_refusals_name_the_argument_and_value():
    """Raw-array inputs are checked: the criterion index range, a batch of weights, labels of
    the wrong length, a non-finite cell, a normalisation given to another method — including
    the method of a Ranking made by VIKOR."""
    with pytest.raises(
        CitymatchValueError, match=r"^`criterion` index must be in 0\.\.1; got 2\.$"
    ):
        sa.weight_sweep(_X3, 2, [1, 1], [1, 1])
    with pytest.raises(
        ShapeError, match=r"^`weights` must be one vector of 2 weights here; got shape \(2, 2\)\.$"
    ):
        sa.weight_sweep(_X3, 0, [[1, 1], [1, 2]], [1, 1])
    with pytest.raises(
        ShapeError, match=r"^`labels` must have 3 names \(one per candidate\); got 2\.$"
    ):
        sa.weight_sweep(_X3, 0, [1, 1], [1, 1], labels=["a", "b"])
    with pytest.raises(
        NonFiniteError,
        match=r"^`matrix` must contain only finite numbers; got nan at row 0, column 1",
    ):
        sa.weight_sweep([[1.0, np.nan], [2.0, 3.0]], 0, [1, 1], [1, 1])
    msg = r"^`normalization` is a TOPSIS setting; method VIKOR takes its parameters in `method_options`\.$"
    with pytest.raises(CitymatchValueError, match=msg):
        sa.weight_sweep(_X3, 0, [1, 1], [1, 1], method="vikor", normalization="max")
    vikor = cm.rank(cm.datasets.load_cities(), "partnership-city", method="VIKOR")
    with pytest.raises(CitymatchValueError, match=msg):
        sa.weight_sweep(vikor, 0, normalization="max")
