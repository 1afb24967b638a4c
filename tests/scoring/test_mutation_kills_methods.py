"""Tests written to kill surviving mutants of the scoring methods of issue 14 (MUTATION.md).

Every expected value is computed here from the published definition, one weight vector at a
time with plain loops or a hand-solved case, never by the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch as cm
from citymatch.errors import (
    ArgumentError,
    CitymatchTypeError,
    CitymatchValueError,
    NonFiniteError,
    NumericRangeError,
    ShapeError,
)
from citymatch.scoring.method_results import PrometheeResult


def _copras_by_hand(x, w, t):
    """COPRAS for ONE weight vector, the authors' S−min form written out term by term."""
    w = np.asarray(w, float) / np.sum(w)
    share = w * x / x.sum(0)
    sp, sm = share[:, t > 0].sum(1), share[:, t < 0].sum(1)
    return sp + sm.min() * sm.sum() / (sm * np.sum(sm.min() / sm))


def test_copras_batch_rows_are_the_published_formula_per_weight_vector():
    """A (K, M) batch of weights gives, row by row, Q of the published formula for that weight
    vector alone (the cost term's sums run over the candidates of ONE weight vector)."""
    x = np.array([[3.0, 2.0, 7.0], [1.0, 5.0, 2.0], [4.0, 1.0, 3.0], [2.0, 4.0, 6.0]])
    t = np.array([1, -1, -1])
    w = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    res = cm.copras(x, w, t)
    assert res.scores.shape == (3, 4)
    for k in range(3):
        q = _copras_by_hand(x, w[k], t)
        np.testing.assert_allclose(res.scores[k], q, rtol=1e-12)
        np.testing.assert_allclose(res.utility[k], q / q.max(), rtol=1e-12)


def test_copras_batch_takes_the_zero_cost_limit_only_in_the_row_that_needs_it():
    """In a batch, the S− = 0 limit applies per weight vector: a row where one candidate has
    S− = 0 (its only non-zero cost value has weight 0) shares ΣS− among those candidates,
    while the other row keeps the published formula."""
    x = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 1.0], [3.0, 1.0, 2.0]])
    t = np.array([1, -1, -1])
    w = np.array([[0.5, 0.5, 0.0], [0.2, 0.4, 0.4]])
    res = cm.copras(x, w, t)
    # row 0 by hand: shares of the benefit column 2/6, 1/6, 3/6 weighted 0.5; cost column 1
    # sums to 3: S− = 0, 0.5·2/3, 0.5·1/3; only candidate 0 has S− = 0 and takes ΣS− = 0.5
    sp0 = 0.5 * np.array([2.0, 1.0, 3.0]) / 6.0
    np.testing.assert_allclose(res.scores[0], sp0 + np.array([0.5, 0.0, 0.0]), rtol=1e-12)
    np.testing.assert_allclose(res.scores[1], _copras_by_hand(x, w[1], t), rtol=1e-12)


def test_copras_keeps_its_sums_and_ranks_the_highest_q_first():
    """``s_plus``, ``s_minus`` are the weighted benefit and cost shares (by hand) and the
    candidate with the highest Q is ranked 1 (COPRAS: higher is better)."""
    x = np.array([[2.0, 1.0], [2.0, 3.0]])
    res = cm.copras(x, [0.5, 0.5], [1, -1])
    np.testing.assert_allclose(res.s_plus, [0.25, 0.25], rtol=1e-12)
    np.testing.assert_allclose(res.s_minus, [0.125, 0.375], rtol=1e-12)
    # Q = S+ + ΣS− / (S−_i Σ 1/S−) = 0.25 + 0.5 / (S−_i · (8 + 8/3)): 0.625 and 0.375
    np.testing.assert_allclose(res.scores, [0.625, 0.375], rtol=1e-12)
    assert res.higher_is_better is True
    assert res.ranks.tolist() == [1, 2]


def test_copras_with_only_cost_criteria_is_the_published_cost_term():
    """Every criterion a cost: S+ = 0 and Q is the cost term alone (by hand, 2 × 1)."""
    res = cm.copras([[1.0], [3.0]], [1.0], [-1])
    # S− = 1/4, 3/4; Q_i = 1 / (S−_i · (4 + 4/3)) = 0.75, 0.25
    np.testing.assert_allclose(res.scores, [0.75, 0.25], rtol=1e-12)
    np.testing.assert_allclose(res.utility, [1.0, 1 / 3], rtol=1e-12)


def test_copras_zero_cost_limit_is_shared_equally_between_candidates():
    """Two candidates with S− = 0 share ΣS− equally (½ each here), the third gets 0."""
    res = cm.copras([[1.0, 0.0], [1.0, 0.0], [1.0, 4.0]], [0.5, 0.5], [1, -1])
    # S+ = 1/6 each; ΣS− = 0.5·4/4 = 0.5, shared by candidates 0 and 1
    np.testing.assert_allclose(res.scores, [1 / 6 + 0.25, 1 / 6 + 0.25, 1 / 6], rtol=1e-12)


def test_copras_with_zero_weight_on_every_cost_criterion_is_s_plus_without_warnings():
    """All weighted cost sums are 0: every candidate takes the limit's share of ΣS− = 0, so
    Q = S+ — and no division warning (warnings are errors in this suite)."""
    res = cm.copras([[1.0, 2.0], [3.0, 1.0]], [1.0, 0.0], [1, -1])
    np.testing.assert_allclose(res.scores, [0.25, 0.75], rtol=1e-12)


def test_copras_small_column_sums_are_accepted():
    """Only a column summing to 0 is refused: sums below 1 are fine (Q by hand)."""
    res = cm.copras([[0.1, 0.2], [0.3, 0.2]], [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.scores, [0.125 + 0.25, 0.375 + 0.25], rtol=1e-12)


def test_copras_errors_name_the_offending_cell_and_column():
    """A negative value is reported with its row and column (the first negative, not the
    first zero or small value); a column summing to 0 is named."""
    with pytest.raises(
        CitymatchValueError,
        match=r"must be non-negative for COPRAS \(sum normalisation\); got -1\.0 at row 1, column 0\.",
    ):
        cm.copras([[0.0, 0.5], [-1.0, 1.0], [2.0, 1.0]], [0.5, 0.5], [1, 1])
    with pytest.raises(CitymatchValueError, match=r"`matrix` column 1 sums to 0"):
        cm.copras([[0.2, 0.0], [0.3, 0.0]], [0.5, 0.5], [1, 1])


def _vikor_by_hand(x, w, t, v=0.5):
    """S, R, Q of VIKOR for ONE weight vector, straight from the definition (no constant
    column, S and R not all equal)."""
    x = np.asarray(x, float)
    w = np.asarray(w, float) / np.sum(w)
    best = np.where(np.asarray(t) > 0, x.max(0), x.min(0))
    worst = np.where(np.asarray(t) > 0, x.min(0), x.max(0))
    wd = w * (best - x) / (best - worst)
    s, r = wd.sum(1), wd.max(1)
    q = v * (s - s.min()) / (s.max() - s.min()) + (1 - v) * (r - r.min()) / (r.max() - r.min())
    return s, r, q


def test_vikor_advantage_holds_when_the_gap_equals_dq():
    """C1 is ``Q(a2) − Q(a1) ≥ DQ``: with two candidates DQ = 1 and a dominating candidate has
    Q = 0 against 1, a gap of exactly DQ — the advantage is acceptable."""
    res = cm.vikor([[2.0, 2.0], [1.0, 1.0]], [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.scores, [0.0, 1.0], atol=1e-15)
    assert res.acceptable_advantage is True
    assert res.acceptable_stability is True
    assert res.compromise == (0,)


def test_vikor_q_is_zero_for_everyone_when_s_and_r_do_not_separate():
    """Every candidate with the same S and the same R: both parts of Q are 0 by the stated
    convention (not 1), and all are in the compromise set."""
    res = cm.vikor([[1.0, 2.0], [2.0, 1.0]], [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.s, [0.5, 0.5], rtol=1e-12)
    np.testing.assert_allclose(res.r, [0.5, 0.5], rtol=1e-12)
    np.testing.assert_allclose(res.scores, [0.0, 0.0], atol=1e-15)
    assert res.compromise == (0, 1)


def test_vikor_compromise_lists_tied_candidates_in_input_order():
    """Candidates tied on Q keep their input order in the compromise set, also past 16
    candidates (where an unstable sort reorders equal keys).  Rows: A = (2, 0), B = (0, 2),
    C = (1, 2), both benefits, equal weights: by hand S = R = ½ for A and B, ¼ for C, so
    Q = 0 for every C and 1 for A and B; C1 fails (gap 0 < DQ) and the set is every C."""
    rows = {"A": [2.0, 0.0], "B": [0.0, 2.0], "C": [1.0, 2.0]}
    pattern = "AAAAAAABBCCAAABAAAACACAACAAACBACACAAA"
    x = np.array([rows[c] for c in pattern])
    res = cm.vikor(x, [0.5, 0.5], [1, 1])
    assert res.compromise == tuple(i for i, c in enumerate(pattern) if c == "C")
    assert res.acceptable_advantage is False


def test_vikor_batch_regret_in_blocks_covers_every_weight_vector(monkeypatch):
    """The batched regret R is computed in blocks of weight vectors; with one vector a block
    (and more vectors than criteria) every row still equals VIKOR for that vector alone."""
    import citymatch.scoring.vikor as vikor_module

    monkeypatch.setattr(vikor_module, "_REGRET_CELLS", 1)
    x = np.array([[3.0, 2.0], [1.0, 3.0], [2.0, 1.0], [4.0, 0.5]])
    t = [1, -1]
    w = np.array([[0.5, 0.5], [0.2, 0.8], [0.9, 0.1], [0.4, 0.6], [0.7, 0.3]])
    res = cm.vikor(x, w, t, v=0.25)
    assert res.method == "VIKOR" and res.higher_is_better is False and res.v == 0.25
    for k in range(len(w)):
        s, r, q = _vikor_by_hand(x, w[k], t, v=0.25)
        np.testing.assert_allclose(res.s[k], s, atol=1e-12)
        np.testing.assert_allclose(res.r[k], r, atol=1e-12)
        np.testing.assert_allclose(res.scores[k], q, atol=1e-12)


# --- SPOTIS: every expected score is Σ_j w_j |x_ij − s*_j| / (hi_j − lo_j), by hand ---------

_X = [[5.0, 2.0], [0.0, 1.0]]
_B = [[0, 10], [1, 3]]  # data on the bounds (0 and 1) are within them


def test_spotis_with_stated_bounds_scores_the_distance_to_the_best_bounds():
    """Default ideal = the best bound (10 for the benefit, 1 for the cost criterion):
    row 0: ½·5/10 + ½·1/2 = 0.5; row 1: ½·10/10 + ½·0/2 = 0.5.  The result keeps the bounds
    (float) and the ideal, and ranks the lower score first."""
    res = cm.spotis(_X, [0.5, 0.5], [1, -1], bounds=_B)
    np.testing.assert_allclose(res.scores, [0.5, 0.5], atol=1e-15)
    assert res.bounds.dtype == np.float64 and res.bounds.tolist() == [[0.0, 10.0], [1.0, 3.0]]
    assert res.ideal.tolist() == [10.0, 1.0]
    low = cm.spotis(_X, [0.9, 0.1], [1, -1], bounds=_B)  # 0.9·0.5 + 0.1·0.5; 0.9·1 + 0
    np.testing.assert_allclose(low.scores, [0.5, 0.9], atol=1e-15)
    assert low.method == "SPOTIS" and low.higher_is_better is False
    assert low.ranks.tolist() == [1, 2]


def test_spotis_with_a_stated_ideal_scores_the_distance_to_it():
    """``ideal`` inside the bounds: row 0 is the ideal (score 0); row 1: ½·5/10 + ½·1/2.
    An ideal on the bounds themselves is accepted (the best bounds give the default scores)."""
    res = cm.spotis(_X, [0.5, 0.5], [1, -1], bounds=_B, ideal=[5, 2])
    np.testing.assert_allclose(res.scores, [0.0, 0.5], atol=1e-15)
    assert res.ideal.tolist() == [5.0, 2.0]
    edge = cm.spotis(_X, [0.5, 0.5], [1, -1], bounds=_B, ideal=[10, 1])
    np.testing.assert_allclose(edge.scores, [0.5, 0.5], atol=1e-15)


def test_spotis_without_bounds_a_constant_column_contributes_nothing():
    """Observed bounds: the constant second column adds 0 with the default ideal and with a
    stated one; ranges below 1 are ranges like any other."""
    x = [[1.0, 3.0], [1.5, 3.0]]
    np.testing.assert_allclose(cm.spotis(x, [0.5, 0.5], [1, 1]).scores, [0.5, 0.0], atol=1e-15)
    res = cm.spotis(x, [0.5, 0.5], [1, 1], ideal=[1.0, 3.0])
    np.testing.assert_allclose(res.scores, [0.0, 0.5], atol=1e-15)


def test_spotis_scores_one_candidate_against_fixed_bounds():
    """With stated bounds one candidate is enough (its distance to the ideal)."""
    res = cm.spotis([[5.0, 2.0]], [0.5, 0.5], [1, -1], bounds=_B)
    np.testing.assert_allclose(res.scores, [0.5], atol=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"bounds": [[0, 10]]},
            ArgumentError,
            r"`bounds` must have shape \(2, 2\) \(one \[min, max\] per criterion\); got \(1, 2\)\.",
        ),
        ({"bounds": [[0, np.inf], [1, 3]]}, ArgumentError, r"^`bounds` must be finite\.$"),
        (
            {"bounds": [[0, 10], [3, 2]]},
            ArgumentError,
            r"must have min < max for every criterion; got \[3\.0, 2\.0\] at criterion 1\.",
        ),
        (
            {"bounds": [[0, 10], [2, 2]]},
            ArgumentError,
            r"got \[2\.0, 2\.0\] at criterion 1\.",
        ),
        (
            {"bounds": [[0, 10], [1, 1.5]]},
            CitymatchValueError,
            r"`matrix` must lie within `bounds`; got 2\.0 at row 0, column 1, outside \[1\.0, 1\.5\]\.",
        ),
        (
            {"bounds": _B, "ideal": [5, 2, 1]},
            ArgumentError,
            r"`ideal` must have 2 values; got shape \(3,\)\.",
        ),
        (
            {"bounds": _B, "ideal": [11, 2]},
            ArgumentError,
            r"`ideal` must be finite and within `bounds`; got \[11\.0, 2\.0\]\.",
        ),
        (
            {"bounds": _B, "ideal": [5, 0.5]},
            ArgumentError,
            r"within `bounds`; got \[5\.0, 0\.5\]",
        ),
        (
            {"bounds": _B, "ideal": [np.nan, 2]},
            ArgumentError,
            r"within `bounds`; got \[nan, 2\.0\]",
        ),
    ],
)
def test_spotis_bad_bounds_and_ideal_are_clear_errors(kwargs, error, match):
    """Each rule on ``bounds`` and ``ideal`` has its own message naming the value got; the
    options' rules are usage errors (ArgumentError), the data outside the bounds is not."""
    with pytest.raises(error, match=match) as info:
        cm.spotis(_X, [0.5, 0.5], [1, -1], **kwargs)
    assert isinstance(info.value, ArgumentError) == (error is ArgumentError)


def test_methods_that_check_finiteness_first_name_the_cell():
    """PROMETHEE validates the matrix up front: a NaN is reported with its row and column."""
    with pytest.raises(
        NonFiniteError,
        match=r"`matrix` must contain only finite numbers; got nan at row 1, column 0 \(1 non-finite cell in all\)\.",
    ):
        cm.promethee([[1.0, 2.0], [np.nan, 1.0], [2.0, 2.0]], [0.5, 0.5], [1, 1])


# --- WSM / WPM / WASPAS: normalised values and products by hand -----------------------------


def test_an_all_zero_benefit_column_is_one_for_everyone_in_every_model():
    """The documented convention: a column of zeros (nothing to normalise by under "max" or
    "sum") becomes 1 for every candidate and leaves products unchanged.  Column 1 under
    "max": 1/2, 1 — so WSM ½·1 + ½·n and WPM 1^½ · n^½, for one weight vector and a batch.
    (Before session 5, WPM and WASPAS raised NumericRangeError here: log 0 times 0.)"""
    x = [[0.0, 1.0], [0.0, 2.0]]
    np.testing.assert_allclose(cm.wsm(x, [0.5, 0.5], [1, 1]).scores, [0.75, 1.0], rtol=1e-12)
    np.testing.assert_allclose(cm.wpm(x, [0.5, 0.5], [1, 1]).scores, [0.5**0.5, 1.0], rtol=1e-12)
    batch = cm.wpm(x, [[0.5, 0.5], [0.2, 0.8]], [1, 1], normalization="sum")  # col 1: 1/3, 2/3
    np.testing.assert_allclose(
        batch.scores,
        [[(1 / 3) ** 0.5, (2 / 3) ** 0.5], [(1 / 3) ** 0.8, (2 / 3) ** 0.8]],
        rtol=1e-12,
    )
    both = cm.waspas(x, [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(both.scores, [0.5 * 0.75 + 0.5 * 0.5**0.5, 1.0], rtol=1e-12)


def test_wpm_zero_value_is_zero_with_a_positive_weight_and_one_with_a_zero_weight():
    """Column 0 holds 0, 0.5 and 2 (max 2): n = 0, ¼, 1; column 1: n = ½, 1, ¾ (max 4).
    Weights (½, ½): candidate 0's product is 0; weights (0, 1): its zero counts as 1."""
    x = np.array([[0.0, 2.0], [0.5, 4.0], [2.0, 3.0]])
    w = np.array([[0.5, 0.5], [0.0, 1.0]])
    n0, n1 = np.array([0.0, 0.25, 1.0]), np.array([0.5, 1.0, 0.75])
    expected = np.array([n0**0.5 * n1**0.5, n1])
    batch = cm.wpm(x, w, [1, 1])
    np.testing.assert_allclose(batch.scores, expected, rtol=1e-12, atol=1e-15)
    for k in range(2):
        np.testing.assert_allclose(
            cm.wpm(x, w[k], [1, 1]).scores, expected[k], rtol=1e-12, atol=1e-15
        )


def test_waspas_keeps_both_parts_and_wpm_is_named():
    """WASPAS (default "max", λ = ½) on a benefit and a cost column, K = 2 weight vectors:
    n = x/max = 1, ½, ¾ and min/x = 1, ½, ⅔; the result keeps WSM, WPM, λ and the
    normalisation.  WPM alone equals the product part and is named "WPM"."""
    x = np.array([[4.0, 100.0], [2.0, 200.0], [3.0, 150.0]])
    w = np.array([[0.5, 0.5], [0.2, 0.8]])
    n = np.array([[1.0, 1.0], [0.5, 0.5], [0.75, 2 / 3]])
    s_sum = w @ n.T
    s_prod = np.array([np.prod(n**wk, axis=1) for wk in w])
    res = cm.waspas(x, w, [1, -1])
    np.testing.assert_allclose(res.wsm, s_sum, rtol=1e-12)
    np.testing.assert_allclose(res.wpm, s_prod, rtol=1e-12)
    np.testing.assert_allclose(res.scores, 0.5 * s_sum + 0.5 * s_prod, rtol=1e-12)
    assert res.lam == 0.5 and res.normalization == "max" and res.method == "WASPAS"
    wpm = cm.wpm(x, w, [1, -1])
    np.testing.assert_allclose(wpm.scores, s_prod, rtol=1e-12)
    assert wpm.method == "WPM"


def test_minmax_wsm_scales_small_ranges_and_sets_a_constant_column_to_one():
    """Under "minmax" a range of ½ is a range (n = 0, 1) and a constant column is 1 for
    everyone; a benefit column whose maximum is below 1 is divided by that maximum."""
    x = [[1.0, 5.0], [1.5, 5.0]]
    np.testing.assert_allclose(
        cm.wsm(x, [0.5, 0.5], [1, 1], normalization="minmax").scores, [0.5, 1.0], rtol=1e-12
    )
    np.testing.assert_allclose(
        cm.wsm([[0.5, 1.0], [0.25, 1.0]], [0.5, 0.5], [1, 1]).scores, [1.0, 0.75], rtol=1e-12
    )


def test_a_cost_value_of_exactly_the_smallest_normal_float_is_accepted():
    """Only cost values BELOW the smallest normal float64 are refused; TINY itself is fine."""
    tiny = float(np.finfo(np.float64).tiny)
    res = cm.wsm([[1.0, tiny], [1.0, 1.0]], [0.5, 0.5], [1, -1])
    np.testing.assert_allclose(res.scores, [1.0, 0.5], rtol=1e-12)


@pytest.mark.parametrize(
    ("x", "types", "norm", "error", "match"),
    [
        (
            [[0.5, 1.0], [0.0, 1.0], [-2.0, 1.0]],
            [1, 1],
            "max",
            CitymatchValueError,
            r"^`matrix` must be non-negative on a benefit criterion under 'max' normalisation "
            r"\(a ratio scale\); got -2\.0 at row 2, column 0\.$",
        ),
        (
            [[1.0, 1.0], [1.0, 0.0], [1.0, 2.0]],
            [1, -1],
            "sum",
            CitymatchValueError,
            r"^`matrix` must be positive on a cost criterion under 'sum' normalisation "
            r"\(it divides by the value\); got 0\.0 at row 1, column 1\.$",
        ),
        (
            [[1.0, 1e-310], [1.0, 1.0]],
            [1, -1],
            "max",
            NumericRangeError,
            r"cost criterion 1 go down to 1e-310, below the smallest normal float64 .*: their "
            r"reciprocals under 'max' normalisation overflow; multiply the column by a positive constant\.$",
        ),
        (
            [[1.0, 1.0], [2.0, 1.0]],
            [1, 1],
            "bad",
            CitymatchValueError,
            r"^`normalization` must be one of 'max', 'sum', 'minmax'; got 'bad'\.$",
        ),
    ],
)
def test_weighted_model_errors_name_the_rule_and_the_cell(x, types, norm, error, match):
    """Each sign rule names the normalisation and the first offending cell of its column."""
    with pytest.raises(error, match=match):
        cm.wsm(x, [0.5, 0.5], types, normalization=norm)


# --- result objects: PROMETHEE I table and the documented frames ----------------------------


def _promethee_result(plus, minus):
    plus, minus = np.asarray(plus, float), np.asarray(minus, float)
    return PrometheeResult("PROMETHEE_II", plus - minus, True, plus, minus, ("usual",))


def test_promethee_i_table_by_hand_with_one_equal_flow_conflicts_and_near_ties():
    """PROMETHEE I from stated flows: P when both flows agree (one may be equal), R when they
    conflict, I when both are equal within 12 decimals (candidate 5 differs from 0 by
    4e-13 in each flow only), P⁻ the mirror of P; the table is N × N with I on the diagonal."""
    plus = [0.5, 0.5, 0.2, 0.6, 0.5, 0.5 + 4e-13]
    minus = [0.2, 0.3, 0.2, 0.5, 0.2, 0.2 - 4e-13]
    expected = [
        ["I", "P", "P", "R", "I", "I"],
        ["P⁻", "I", "R", "R", "P⁻", "P⁻"],
        ["P⁻", "R", "I", "R", "P⁻", "P⁻"],
        ["R", "R", "R", "I", "R", "R"],
        ["I", "P", "P", "R", "I", "I"],
        ["I", "P", "P", "R", "I", "I"],
    ]
    rel = _promethee_result(plus, minus).outranking(limit=6)
    assert rel.to_numpy().tolist() == expected
    with pytest.raises(
        CitymatchValueError,
        match=r"^`outranking` builds an N × N table; N = 6 is over `limit` = 5 \(raise `limit` "
        r"if the table fits in memory\)\.$",
    ):
        _promethee_result(plus, minus).outranking(limit=5)
    with pytest.raises(CitymatchValueError, match=r"N = 2001 is over `limit` = 2000 "):
        _promethee_result(np.zeros(2001), np.zeros(2001)).outranking()  # the default limit


def test_single_vector_views_refuse_a_batch_naming_the_view():
    """``outranking`` (and ``compromise``) need one weight vector: the error names the view."""
    batch = cm.promethee([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]], [[0.5, 0.5], [0.2, 0.8]], [1, 1])
    with pytest.raises(
        CitymatchValueError,
        match=r"^`outranking` is defined for one weight vector; this result holds 2 \(call the "
        r"method with one vector\)\.$",
    ):
        batch.outranking()


def test_to_frame_is_one_row_per_candidate_and_long_form_for_a_batch():
    """One vector: the method's quantities, score and rank, indexed by ``candidate``.  A batch:
    ``weights`` and ``candidate`` columns first, one row per (weight vector, candidate)."""
    one = _promethee_result([0.5, 0.0, 0.25], [0.0, 0.5, 0.25]).to_frame()
    assert one.index.name == "candidate" and one.index.tolist() == [0, 1, 2]
    assert one.columns.tolist() == ["phi_plus", "phi_minus", "score", "rank"]
    assert one["score"].tolist() == [0.5, -0.5, 0.0] and one["rank"].tolist() == [1, 3, 2]
    plus = np.array([[0.5, 0.0, 0.25], [0.0, 0.5, 0.25]])
    minus = plus[::-1]
    frame = _promethee_result(plus, minus).to_frame()
    assert frame.columns.tolist() == [
        "weights",
        "candidate",
        "phi_plus",
        "phi_minus",
        "score",
        "rank",
    ]
    assert frame["weights"].tolist() == [0, 0, 0, 1, 1, 1]
    assert frame["candidate"].tolist() == [0, 1, 2, 0, 1, 2]
    assert frame["score"].tolist() == [0.5, -0.5, 0.0, -0.5, 0.5, 0.0]
    assert frame["rank"].tolist() == [1, 3, 2, 3, 1, 2]


def test_to_frame_of_copras_and_waspas_carry_their_own_quantities():
    """COPRAS: S_plus, S_minus, utility before score and rank; WASPAS (0 < λ < 1): wsm, wpm;
    WSM (λ = 1) and WPM (λ = 0) alone: score and rank only."""
    x, w, t = [[2.0, 1.0], [2.0, 3.0]], [0.5, 0.5], [1, -1]
    cop = cm.copras(x, w, t).to_frame()
    assert cop.columns.tolist() == ["S_plus", "S_minus", "utility", "score", "rank"]
    np.testing.assert_allclose(cop["S_minus"], [0.125, 0.375], rtol=1e-12)
    np.testing.assert_allclose(cop["utility"], [1.0, 0.6], rtol=1e-12)
    was = cm.waspas([[4.0, 100.0], [2.0, 200.0]], w, t).to_frame()
    assert was.columns.tolist() == ["wsm", "wpm", "score", "rank"]
    np.testing.assert_allclose(was["wsm"], [1.0, 0.5], rtol=1e-12)
    np.testing.assert_allclose(was["wpm"], [1.0, 0.5], rtol=1e-12)
    assert cm.wsm(x, w, t).to_frame().columns.tolist() == ["score", "rank"]
    assert cm.wpm(x, w, t).to_frame().columns.tolist() == ["score", "rank"]


# --- PROMETHEE: the thresholds' domains (the table in the module doc) and the names ----------

_P3 = [[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"preference": "u-shape", "q": -0.5},
            r"^`q` \(indifference threshold\) must be ≥ 0; got -0\.5 at criterion 0\.$",
        ),
        (
            {"preference": "level", "q": -1, "p": 2},
            r"^`q` \(indifference threshold\) must be ≥ 0; got -1\.0 at criterion 0\.$",
        ),
        ({"preference": "linear", "q": -1, "p": 2}, r"^`q` \(indifference threshold\) must be ≥ 0"),
        (
            {"preference": "v-shape", "p": 0},
            r"^`p` \(preference threshold\) must be > 0 for 'v-shape'; got 0\.0 at criterion 0\.$",
        ),
        (
            {"preference": "level", "q": 1, "p": 1},
            r"^thresholds out of order at criterion 0: the 'level' function needs q < p; got q = 1\.0, p = 1\.0\.$",
        ),
        (
            {"preference": "linear", "q": 2, "p": 1},
            r"the 'linear' function needs q < p; got q = 2\.0, p = 1\.0\.$",
        ),
        (
            {"preference": "gaussian", "s": 0},
            r"^`s` must be > 0 for 'gaussian'; got 0\.0 at criterion 0\.$",
        ),
        (
            {"preference": "u-shape"},
            r"^criterion 0 uses the 'u-shape' preference function, which needs `q`; pass q=\.\.\. ",
        ),
        (
            {"preference": "level", "q": 0},
            r"^criterion 0 uses the 'level' preference function, which needs `p`",
        ),
        (
            {"preference": "linear", "p": 1},
            r"^criterion 0 uses the 'linear' preference function, which needs `q`",
        ),
        (
            {"preference": "gaussian"},
            r"^criterion 0 uses the 'gaussian' preference function, which needs `s`",
        ),
        (
            {"preference": "v-shape"},
            r"^criterion 0 uses the 'v-shape' preference function, which needs `p`",
        ),
        (
            {"preference": "nope"},
            r"^`preference` of criterion 0 must be one of 'usual', 'u-shape', 'v-shape', 'level', 'linear', 'gaussian'; got 'nope'\.$",
        ),
        (
            {"preference": ["usual"]},
            r"^`preference` must be one name or 2 names \(one per criterion\); got 1\.$",
        ),
        (
            {"preference": "u-shape", "q": [1, 2, 3]},
            r"^`q` must be a number or 2 numbers \(one per criterion\); got shape \(3,\)\.$",
        ),
        ({"preference": "v-shape", "p": [1, 2, 3]}, r"^`p` must be a number or 2 numbers"),
        ({"preference": "gaussian", "s": [1, 2, 3]}, r"^`s` must be a number or 2 numbers"),
    ],
)
def test_promethee_thresholds_outside_their_domain_are_refused(kwargs, match):
    """Each preference function's thresholds have the domain of the module's table (q ≥ 0,
    p > 0, q < p, s > 0) and must be given; the message names the rule and the value."""
    with pytest.raises(CitymatchValueError, match=match):
        cm.promethee(_P3, [0.5, 0.5], [1, 1], **kwargs)


def test_promethee_accepts_the_edges_of_the_domains_and_pymcdm_aliases():
    """q = 0 is allowed where q ≥ 0 is the rule; names are case-insensitive and pymcdm's
    aliases map to Brans's functions ("ushape" = u-shape, "vshape_2" = linear), one name per
    criterion allowed.  By hand, u-shape with q = 0 is the usual function: φ = −1, 0, 1 on a
    single criterion 1, 2, 3 (benefit) → here the two criteria cancel: φ = 0 for all."""
    usual = cm.promethee(_P3, [0.5, 0.5], [1, 1]).scores
    np.testing.assert_allclose(usual, [0.0, 0.0, 0.0], atol=1e-15)
    one = cm.promethee([[1.0], [2.0], [3.0]], [1.0], [1], preference="USHAPE", q=0)
    np.testing.assert_allclose(one.scores, [-1.0, 0.0, 1.0], atol=1e-15)
    assert one.preference_functions == ("u-shape",)
    mixed = cm.promethee(_P3, [0.5, 0.5], [1, 1], preference=["ushape", "vshape_2"], q=0, p=2)
    assert mixed.preference_functions == ("u-shape", "linear")


def test_vikor_constant_column_separates_no_one_and_lower_q_ranks_first():
    """A constant column has d = 0 for everyone (documented): S and R come from the other
    column alone — here d = 0, ½, 1 weighted ½ — and the lowest Q is ranked 1."""
    res = cm.vikor([[3.0, 7.0], [2.0, 7.0], [1.0, 7.0]], [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.s, [0.0, 0.25, 0.5], atol=1e-15)
    np.testing.assert_allclose(res.r, [0.0, 0.25, 0.5], atol=1e-15)
    np.testing.assert_allclose(res.scores, [0.0, 0.5, 1.0], atol=1e-15)
    assert res.higher_is_better is False and res.ranks.tolist() == [1, 2, 3]


def test_result_repr_and_html_state_method_size_orientation_and_best():
    """``repr``: the method, N (and K for a batch), the orientation, VIKOR's v and compromise,
    and the best candidate with its score; the HTML view carries the same footer."""
    w = [0.5, 0.5]
    one = cm.wsm([[4.0, 100.0], [2.0, 200.0]], w, [1, -1])
    assert (
        repr(one) == "WaspasResult(WSM · N=2 · higher score is better, best=candidate 0 (score 1))"
    )
    assert "WSM · N=2 · higher score is better" in one._repr_html_()
    vik = cm.vikor([[3.0, 2.0], [1.0, 3.0], [2.0, 1.0]], w, [1, 1])
    footer = "VIKOR · N=3 · lower score is better · v=0.5 · compromise [0]"
    assert repr(vik) == f"VikorResult({footer}, best=candidate 0 (score 0))"
    assert footer in vik._repr_html_()
    batch = cm.vikor([[3.0, 2.0], [1.0, 3.0], [2.0, 1.0]], [w, [0.2, 0.8]], [1, 1])
    assert (
        repr(batch)
        == "VikorResult(VIKOR · N=3, K=2 weight vectors · lower score is better · v=0.5)"
    )
    assert "K=2 weight vectors" in batch._repr_html_()


def test_option_values_of_the_wrong_type_or_not_finite_are_clear_errors():
    """``v`` (and ``lam``) must be numbers, not strings or booleans; thresholds must be numbers
    (one or one per criterion) and finite — each message names the argument and the value."""
    x = [[3.0, 2.0], [1.0, 3.0], [2.0, 1.0]]
    with pytest.raises(
        CitymatchTypeError, match=r"^`v` must be a number in \[0, 1\]; got '0\.5'\.$"
    ):
        cm.vikor(x, [0.5, 0.5], [1, 1], v="0.5")
    with pytest.raises(
        CitymatchTypeError, match=r"^`lam` must be a number in \[0, 1\]; got True\.$"
    ):
        cm.waspas(x, [0.5, 0.5], [1, 1], lam=True)
    with pytest.raises(
        CitymatchTypeError, match=r"^`q` must be a number or one number per criterion; got 'abc'\.$"
    ):
        cm.promethee(x, [0.5, 0.5], [1, 1], preference="u-shape", q="abc")
    with pytest.raises(
        CitymatchValueError, match=r"^`p` must be finite; got nan at criterion 1\.$"
    ):
        cm.promethee(x, [0.5, 0.5], [1, 1], preference="v-shape", p=[1.0, np.nan])


def test_spotis_accepts_data_on_the_upper_bound():
    """A value equal to its upper bound lies within the bounds: ½·0/10 + ½·|3 − 1|/2 = 0.5."""
    res = cm.spotis([[10.0, 3.0]], [0.5, 0.5], [1, -1], bounds=_B)
    np.testing.assert_allclose(res.scores, [0.5], atol=1e-15)


def test_sign_errors_name_the_column_that_breaks_the_rule():
    """The first column breaking the sign rule is named, not always column 0."""
    with pytest.raises(CitymatchValueError, match=r"got -1\.0 at row 0, column 1\.$"):
        cm.wsm([[1.0, -1.0], [2.0, 1.0]], [0.5, 0.5], [1, 1])


def test_float32_input_is_scored_in_float64():
    """The methods convert to float64 first: float32 data give the float64 hand values (a
    float32 computation would be off by ~1e-7)."""
    x = (np.array([[1.0, 3.0], [2.0, 7.0], [5.0, 4.0]]) / 3).astype(np.float32)
    x64 = x.astype(np.float64)
    expected = 0.5 * x64[:, 0] / x64[:, 0].max() + 0.5 * x64[:, 1].min() / x64[:, 1]
    np.testing.assert_allclose(cm.wsm(x, [0.5, 0.5], [1, -1]).scores, expected, rtol=1e-14)


def test_promethee_memory_limits_refuse_past_the_limit_only(monkeypatch):
    """The N × M flow tables and the Gaussian function's N² pairs have limits (lowered here):
    exactly at a limit is accepted, past it is refused with the sizes and the way out."""
    import citymatch.scoring.promethee as promethee_module

    monkeypatch.setattr(promethee_module, "MAX_FLOW_CELLS", 6)
    monkeypatch.setattr(promethee_module, "MAX_GAUSSIAN_N", 3)
    x3, x4 = _P3, [*_P3, [0.0, 0.0]]
    cm.promethee(x3, [0.5, 0.5], [1, 1])  # N × M = 6: at the limit
    cm.promethee(x3, [0.5, 0.5], [1, 1], preference="gaussian", s=1.0)  # N = 3: at the limit
    with pytest.raises(
        ShapeError,
        match=r"^PROMETHEE holds two N × M flow tables in memory: N × M = 8 is over the limit of "
        r"6 cells \(4 GiB\); score a shortlist \(screen or rank by a linear-time method first\)\.$",
    ):
        cm.promethee(x4, [0.5, 0.5], [1, 1])
    monkeypatch.setattr(promethee_module, "MAX_FLOW_CELLS", 100)
    cm.promethee(x4, [0.5, 0.5], [1, 1])  # N = 4 > 3 is fine for a piecewise-linear function
    with pytest.raises(
        ShapeError,
        match=r"^the 'gaussian' preference function sums all N² pairs: N = 4 is over 3; use a "
        r"piecewise-linear function \('linear', 'v-shape'\) instead\.$",
    ):
        cm.promethee(x4, [0.5, 0.5], [1, 1], preference="gaussian", s=1.0)


def test_repr_names_the_best_candidate_wherever_it_is():
    """The best candidate in ``repr`` is found by score, not assumed to be the first row."""
    res = cm.wsm([[2.0, 200.0], [4.0, 100.0]], [0.5, 0.5], [1, -1])
    assert repr(res).endswith("best=candidate 1 (score 1))")


def test_mabac_result_is_named_and_higher_is_better():
    """MABAC's result carries its name and orientation; the docstring example by hand:
    v = ½(n + 1) is 1 and ½ in each column, the border √½, so S = (1 − √½) + (½ − √½) =
    1.5 − √2 for both mirror-image candidates."""
    res = cm.mabac([[1.0, 0.0], [0.0, 1.0]], [0.5, 0.5], [1, 1])
    assert res.method == "MABAC" and res.higher_is_better is True
    np.testing.assert_allclose(res.scores, [1.5 - np.sqrt(2)] * 2, atol=1e-12)


# --- the column statistics every additive method starts from (scoring/affine.py) -----------


@pytest.mark.parametrize("method", [cm.vikor, cm.wsm, cm.spotis, cm.copras, cm.mabac])
def test_additive_methods_name_a_non_finite_cell(method):
    """NaN or ±inf anywhere is a NonFiniteError naming the first such cell."""
    x = [[1.0, 2.0], [3.0, np.inf], [2.0, 1.0]]
    with pytest.raises(
        NonFiniteError,
        match=r"^`matrix` must contain only finite numbers; got inf at row 1, column 1 \(1 non-finite cell in all\)\.$",
    ):
        method(x, [0.5, 0.5], [1, 1])


@pytest.mark.parametrize(
    "col",
    [
        [1e-310, 1e-310],  # constant, but every value below the smallest normal float
        [1e-300, 1e-300 + 5e-309],  # normal values, range below the smallest normal float
    ],
)
def test_columns_too_small_to_normalise_are_refused_naming_the_criterion(col):
    """A column whose values or range are below the smallest normal float64 cannot be
    normalised (1/range overflows): the error names the criterion (here 1) and the remedy."""
    x = np.column_stack([[1.0, 2.0], col])
    with pytest.raises(
        NumericRangeError,
        match=r"^`matrix` values of criterion 1 \(from .*\) are below the smallest normal "
        r"float64 .* \(in size or in range\), too imprecise to normalise; multiply the column "
        r"by a positive constant\.$",
    ):
        cm.vikor(x, [0.5, 0.5], [1, 1])


def test_columns_at_the_smallest_normal_float_and_huge_sums_are_accepted():
    """Exactly the smallest normal float (as a value or as a range) is fine, and a method
    that does not divide by the column sum accepts a column whose sum overflows (VIKOR:
    d = 0 and 1 on each column, hand value Q = 0, 1)."""
    tiny = float(np.finfo(np.float64).tiny)
    for col in ([0.0, tiny], [tiny, tiny]):
        cm.vikor(np.column_stack([[1.0, 2.0], col]), [0.5, 0.5], [1, 1])
    res = cm.vikor([[1.5e308, 2.0], [1e308, 1.0]], [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.scores, [0.0, 1.0], atol=1e-12)


def test_a_column_whose_range_overflows_is_refused_naming_the_criterion():
    """max − min beyond float64 (here 2e308 in criterion 1) cannot be divided by: the error
    names the criterion, its values and the remedy."""
    with pytest.raises(
        NumericRangeError,
        match=r"^`matrix` values of criterion 1 \(from -1e\+308 to 1e\+308\) have a range or sum "
        r"beyond float64's maximum .*; divide the column by a positive constant\.$",
    ):
        cm.vikor([[1.0, -1e308], [2.0, 1e308]], [0.5, 0.5], [1, 1])


def test_row_blocks_cover_every_candidate(monkeypatch):
    """R (VIKOR) and MABAC's border are computed in blocks of rows; with blocks of 2 rows and
    5 candidates every candidate still gets the hand value."""
    import citymatch.scoring.rowpass as rowpass_module

    monkeypatch.setattr(rowpass_module, "block_rows", lambda m: 2)
    x = np.array([[3.0, 2.0], [1.0, 3.0], [2.0, 1.0], [4.0, 0.5], [2.5, 2.5]])
    t = [1, -1]
    _, r, q = _vikor_by_hand(x, [0.5, 0.5], t)
    res = cm.vikor(x, [0.5, 0.5], t)
    np.testing.assert_allclose(res.r, r, atol=1e-12)
    np.testing.assert_allclose(res.scores, q, atol=1e-12)
    n = np.where(np.array(t) > 0, x - x.min(0), x.max(0) - x) / (x.max(0) - x.min(0))
    v = 0.5 * (n + 1)
    g = np.prod(v, axis=0) ** (1 / len(x))
    np.testing.assert_allclose(cm.mabac(x, [0.5, 0.5], t).scores, (v - g).sum(1), atol=1e-12)


# --- objective weights (scoring/objective.py): the definitions written out ------------------


def _critic_by_hand(x, t):
    """CRITIC: min-max towards the best, sd (ddof 1) × Σ_k (1 − r_jk), r = 0 against a
    constant column, normalised to sum to 1."""
    x = np.asarray(x, float)
    lo, hi = x.min(0), x.max(0)
    span = hi - lo
    z = np.zeros_like(x)
    for j in range(x.shape[1]):
        if span[j] > 0:
            z[:, j] = (x[:, j] - lo[j] if t[j] > 0 else hi[j] - x[:, j]) / span[j]
    m = x.shape[1]
    r = np.eye(m)
    for j in range(m):
        for k in range(m):
            if j != k and span[j] > 0 and span[k] > 0:
                r[j, k] = np.corrcoef(z[:, j], z[:, k])[0, 1]
    c = z.std(0, ddof=1) * (1 - r).sum(1)
    return c / c.sum()


def test_critic_with_two_candidates_by_hand():
    """Two candidates: every normalised column is (0, 1) or (1, 0), correlations ±1, so the
    weights are ∝ Σ_k (1 − r_jk) = 2, 4, 2: ¼, ½, ¼."""
    w = cm.objective_weights([[1.0, 2.0, 3.0], [2.0, 1.0, 4.0]], [1, 1, 1], method="critic")
    np.testing.assert_allclose(w, [0.25, 0.5, 0.25], rtol=1e-12)


def test_critic_with_small_ranges_and_a_constant_column_follows_the_definition():
    """Ranges below 1 are ranges; a constant column has weight 0 and correlation 0 with the
    others (so it adds 1 − 0 to their sums)."""
    x = [[0.1, 1.0, 5.0, 2.0], [0.3, 3.0, 5.0, 1.0], [0.2, 2.5, 5.0, 7.0], [0.6, 2.0, 5.0, 3.0]]
    w = cm.objective_weights(x, [1, -1, 1, 1], method="critic")
    np.testing.assert_allclose(w, _critic_by_hand(x, [1, -1, 1, 1]), rtol=1e-12)
    assert w[2] == 0.0


def test_objective_weight_errors_name_the_cell_and_the_rule():
    """Entropy names the first negative cell (not the first zero or small value); a matrix
    of constant columns gives no weights, saying why."""
    with pytest.raises(
        CitymatchValueError,
        match=r"non-negative for entropy weights \(shares of a column total\); got -1\.0 at row 2, column 0\.$",
    ):
        cm.objective_weights([[0.5, 1.0], [0.0, 2.0], [-1.0, 3.0]])
    with pytest.raises(
        CitymatchValueError,
        match=r"^`matrix` gives no entropy weights: no criterion separates the candidates "
        r"\(every column is constant\)\.$",
    ):
        cm.objective_weights([[1.0, 2.0], [1.0, 2.0]])


def test_objective_weights_of_a_frame_are_a_series_named_weight():
    """A DataFrame in: a Series named ``weight`` indexed by the columns, with the values of the
    array call (std weights by hand: sd of the min-max columns 0, ½, 1 and 0, 1, 0.5 → equal)."""
    frame = pd.DataFrame({"gdp": [1.0, 2.0, 3.0], "trade": [1.0, 5.0, 3.0]})
    w = cm.objective_weights(frame, [1, 1], method="std")
    assert isinstance(w, pd.Series) and w.name == "weight"
    assert w.index.tolist() == ["gdp", "trade"]
    np.testing.assert_allclose(w.to_numpy(), [0.5, 0.5], rtol=1e-12)


def test_objective_weights_equal_float64_and_their_errors():
    """``"equal"`` is 1/M each (a Series for a frame); float32 data are weighed in float64;
    a non-finite cell and an unknown method are clear errors."""
    np.testing.assert_allclose(
        cm.objective_weights([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]], method="equal"), [1 / 3] * 3
    )
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 1.0]})
    eq = cm.objective_weights(frame, method="equal")
    assert eq.name == "weight" and eq.index.tolist() == ["a", "b"] and eq.tolist() == [0.5, 0.5]
    x = (np.array([[1.0, 3.0], [2.0, 7.0], [5.0, 4.0]]) / 3).astype(np.float32)
    x64 = x.astype(np.float64)
    p = x64 / x64.sum(0)
    d = 1 + (p * np.log(p)).sum(0) / np.log(3)  # 1 − E, entropy by hand
    np.testing.assert_allclose(cm.objective_weights(x), d / d.sum(), rtol=1e-13)
    with pytest.raises(
        NonFiniteError,
        match=r"^`matrix` must contain only finite numbers; got nan at row 0, column 1 \(1 non-finite cell in all\)\.$",
    ):
        cm.objective_weights([[1.0, np.nan], [2.0, 1.0]])
    with pytest.raises(
        CitymatchValueError,
        match=r"^`method` must be one of 'entropy', 'critic', 'std', 'equal'; got 'gini'\.$",
    ):
        cm.objective_weights([[1.0, 2.0], [2.0, 3.0]], method="gini")


def test_std_weights_of_two_candidates_and_the_critic_and_std_errors():
    """std weights with two candidates (min-max columns 0/1 each: equal sd, equal weights);
    CRITIC without ``types`` and std weights of constant columns are refused, saying why."""
    np.testing.assert_allclose(
        cm.objective_weights([[1.0, 5.0], [2.0, 3.0]], [1, 1], method="std"), [0.5, 0.5], rtol=1e-12
    )
    with pytest.raises(
        CitymatchValueError,
        match=r"^`types` is required for CRITIC weights \(cost columns are oriented before the "
        r"correlations are taken\)\.$",
    ):
        cm.objective_weights([[1.0, 2.0], [2.0, 3.0]], method="critic")
    with pytest.raises(CitymatchValueError, match=r"^`matrix` gives no std weights: "):
        cm.objective_weights([[1.0, 2.0], [1.0, 2.0]], [1, 1], method="std")


def test_rank_weights_single_criterion_series_and_errors():
    """One criterion gets weight 1; a Series gives a Series named ``weight``; ranks that are
    not numbers, not 1-D, or a method not offered are refused, each with its message."""
    np.testing.assert_allclose(cm.rank_weights([1]), [1.0])
    s = cm.rank_weights(pd.Series({"gdp": 1, "trade": 2}), method="rank_sum")
    assert s.name == "weight" and s.index.tolist() == ["gdp", "trade"]
    np.testing.assert_allclose(s.to_numpy(), [2 / 3, 1 / 3], rtol=1e-12)
    with pytest.raises(
        CitymatchTypeError,
        match=r"^`ranks` must be numbers \(1 = most important\); got \['a', 'b'\]\.$",
    ):
        cm.rank_weights(["a", "b"])
    with pytest.raises(
        ShapeError,
        match=r"^`ranks` must be one rank per criterion \(1-D, non-empty\); got shape \(1, 2\)\.$",
    ):
        cm.rank_weights([[1, 2]])
    with pytest.raises(
        CitymatchValueError, match=r"^`method` must be one of 'roc', 'rank_sum'; got 'swing'\.$"
    ):
        cm.rank_weights([1, 2], method="swing")
