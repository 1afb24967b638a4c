"""TOPSIS kernel: behaviour, edge cases, batching, bad input, and agreement with pymcdm."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from citymatch.errors import (
    CitymatchTypeError,
    CitymatchValueError,
    CriterionTypeError,
    NonFiniteError,
    ShapeError,
    WeightsError,
)
from citymatch.scoring import pool

NORMS = ["vector", "minmax", "max", "sum"]


# ---------------------------------------------------------------- agreement with pymcdm
@pytest.mark.parametrize("norm", ["vector", "minmax", "max"])
def test_matches_pymcdm_on_random_data(norm, make_problem):
    """Same normalisation, random data with cost criteria: scores agree with pymcdm to 1e-12.
    (pymcdm flips cost criteria as 1 − r; distances are invariant to that affine flip.)"""
    from pymcdm import normalizations as nz
    from pymcdm.methods import TOPSIS

    fn = {
        "vector": nz.vector_normalization,
        "minmax": nz.minmax_normalization,
        "max": nz.max_normalization,
    }[norm]
    for _ in range(20):
        x, w, t = make_problem(n=50, m=6)
        ours = citymatch.topsis(x, w, t, normalization=norm).scores
        theirs = TOPSIS(fn)(x, w / w.sum(), t, validation=False)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_sum_normalization_matches_pymcdm_on_benefit_criteria(make_problem):
    """Under 'sum', pymcdm treats cost criteria as (1/x)/Σ(1/x), a different convention;
    on benefit-only data the two agree to 1e-12."""
    from pymcdm import normalizations as nz
    from pymcdm.methods import TOPSIS

    x, w, _ = make_problem(n=40, m=5)
    t = np.ones(5, dtype=int)
    ours = citymatch.topsis(x, w, t, normalization="sum").scores
    theirs = TOPSIS(nz.sum_normalization)(x, w / w.sum(), t, validation=False)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_large_parallel_path_equals_serial(rng):
    """The threaded row-block path (above the parallel threshold) equals the one-thread path."""
    n = pool.PARALLEL_MIN_ROWS + 12345
    x = rng.normal(size=(n, 4))
    w = np.array([0.1, 0.2, 0.3, 0.4])
    t = [1, -1, 1, -1]
    a = citymatch.topsis(x, w, t, threads=1)
    b = citymatch.topsis(x, w, t, threads=2)
    np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-14)
    np.testing.assert_allclose(a.ideal, b.ideal, rtol=0, atol=0)


def test_float32_input_is_scored_in_float64(rng):
    """float32 matrices are read without copy and reduced in float64: same scores as the
    float64 copy of the same values."""
    x = rng.uniform(0, 100, size=(1000, 6)).astype(np.float32)
    w = rng.uniform(size=6)
    t = [1, 1, -1, 1, -1, 1]
    a = citymatch.topsis(x, w, t).scores
    b = citymatch.topsis(x.astype(np.float64), w, t).scores
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


# ---------------------------------------------------------------- batch
def test_batch_equals_single_calls(make_problem):
    """weights (K, M) → scores (K, N), each row equal to the single-vector call."""
    x, w, t = make_problem(n=30, m=5, k=7)
    res = citymatch.topsis(x, w, t, distances=True)
    assert res.scores.shape == (7, 30)
    assert res.weighted_ideal.shape == (7, 5)
    for k in range(7):
        single = citymatch.topsis(x, w[k], t)
        np.testing.assert_allclose(res.scores[k], single.scores, rtol=0, atol=1e-13)
        np.testing.assert_allclose(res.d_ideal[k], single.d_ideal, rtol=1e-12, atol=1e-15)
    assert res.ranks.shape == (7, 30)
    assert res.to_frame().shape == (7 * 30, 6)


# ---------------------------------------------------------------- edge cases
@pytest.mark.parametrize("norm", NORMS)
def test_ideal_scores_one_and_anti_ideal_zero(norm):
    """A candidate equal to the ideal point scores exactly 1, one equal to the anti-ideal 0."""
    x = np.array([[10.0, 1.0, 5.0], [0.0, 9.0, 1.0], [4.0, 3.0, 2.0], [7.0, 5.0, 4.0]])
    t = [1, -1, 1]
    res = citymatch.topsis(x, [0.2, 0.5, 0.3], t, normalization=norm)
    assert res.scores[0] == 1.0
    assert res.scores[1] == 0.0
    assert res.d_ideal[0] == 0.0 and res.d_anti_ideal[1] == 0.0


@pytest.mark.parametrize("norm", NORMS)
def test_constant_and_all_zero_columns_change_nothing(norm, make_problem):
    """A constant column — including an all-zero column under vector normalisation — adds
    nothing to either distance: scores equal those without it, and nothing is NaN."""
    x, w, t = make_problem(n=15, m=3)
    x = np.abs(x)
    base = citymatch.topsis(x, w, t, normalization=norm).scores
    for const in (0.0, 3.5):
        xc = np.column_stack([x, np.full(15, const)])
        res = citymatch.topsis(xc, np.append(w, 0.7), [*t, 1], normalization=norm)
        assert np.isfinite(res.scores).all()
        # Adding the column re-normalises the weights, which cancels in the closeness.
        np.testing.assert_allclose(res.scores, base, rtol=0, atol=1e-14)
        if const == 0.0 or norm == "minmax":
            assert res.scale[-1] == 0.0
        assert res.ideal[-1] == res.anti_ideal[-1] == const


@pytest.mark.parametrize("norm", NORMS)
def test_all_columns_constant_gives_half_not_nan(norm):
    """If nothing separates the candidates (every column constant), all score 0.5 and tie."""
    x = np.full((4, 3), 2.0)
    res = citymatch.topsis(x, [1, 1, 1], [1, -1, 1], normalization=norm)
    assert res.scores.tolist() == [0.5] * 4
    assert res.ranks.tolist() == [1, 1, 1, 1]


def test_zero_weight_criterion_is_ignored(make_problem):
    """A criterion with weight 0 has no influence: dropping it gives the same scores."""
    x, w, t = make_problem(n=12, m=4)
    w[2] = 0.0
    full = citymatch.topsis(x, w, t).scores
    drop = citymatch.topsis(np.delete(x, 2, axis=1), np.delete(w, 2), np.delete(t, 2)).scores
    np.testing.assert_allclose(full, drop, rtol=0, atol=1e-14)


def test_ties_share_the_best_rank():
    """Duplicate candidates tie and share the lower rank; the next rank is skipped (1, 2, 2, 4)."""
    x = np.array([[9.0, 1.0], [5.0, 5.0], [5.0, 5.0], [1.0, 9.0]])
    res = citymatch.topsis(x, [0.5, 0.5], [1, -1])
    assert res.ranks.tolist() == [1, 2, 2, 4]


def test_weights_normalised_and_stated():
    """Weights are normalised to sum 1 per vector and reported on the result."""
    res = citymatch.topsis([[1, 2], [3, 1], [2, 2]], [2, 6], [1, 1])
    np.testing.assert_allclose(res.weights, [0.25, 0.75])
    batch = citymatch.topsis([[1, 2], [3, 1], [2, 2]], [[2, 6], [1, 1]], [1, 1])
    np.testing.assert_allclose(batch.weights.sum(1), [1, 1])


def test_inputs_never_mutated(make_problem):
    """matrix, weights and types are left exactly as passed."""
    x, w, t = make_problem(n=10, m=3)
    x0, w0, t0 = x.copy(), w.copy(), t.copy()
    citymatch.topsis(x, w, t, normalization="minmax")
    assert np.array_equal(x, x0) and np.array_equal(w, w0) and np.array_equal(t, t0)


def test_types_as_words_equal_types_as_signs(make_problem):
    """'benefit'/'cost' and 1/-1 are the same thing."""
    x, w, t = make_problem(n=10, m=4)
    words = ["benefit" if v > 0 else "cost" for v in t]
    np.testing.assert_array_equal(
        citymatch.topsis(x, w, t).scores, citymatch.topsis(x, w, words).scores
    )


# ---------------------------------------------------------------- fixed ideal points
def test_fixed_points_under_minmax_make_scores_subset_independent(make_problem):
    """With both points fixed under min-max, a candidate's score does not depend on which
    other candidates are scored with it (comparable across runs and subsets)."""
    x, w, t = make_problem(n=20, m=4)
    ideal = np.where(t > 0, 11.0, 0.0)
    anti = np.where(t > 0, 0.0, 11.0)
    full = citymatch.topsis(x, w, t, normalization="minmax", ideal=ideal, anti_ideal=anti).scores
    part = citymatch.topsis(
        x[5:9], w, t, normalization="minmax", ideal=ideal, anti_ideal=anti
    ).scores
    np.testing.assert_allclose(part, full[5:9], rtol=0, atol=1e-15)
    one = citymatch.topsis(
        x[7:8], w, t, normalization="minmax", ideal=ideal, anti_ideal=anti
    ).scores
    np.testing.assert_allclose(one, full[7:8], rtol=0, atol=1e-15)


def test_fixed_points_are_used_in_raw_units():
    """A candidate placed at the fixed ideal scores 1 even when the data's best is better
    elsewhere; NaN in a fixed point means 'take it from the data'."""
    x = np.array([[1.0, 2.0], [3.0, 4.0], [2.0, 3.0]])
    res = citymatch.topsis(x, [0.5, 0.5], [1, 1], ideal=[2.0, 3.0], anti_ideal=[np.nan, np.nan])
    assert res.ideal.tolist() == [2.0, 3.0]
    assert res.anti_ideal.tolist() == [1.0, 2.0]
    assert res.scores[2] == 1.0


def test_fixed_point_errors():
    """Ideal worse than anti-ideal, or equal points under min-max, are refused with a message."""
    x = [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(
        CitymatchValueError, match=r"`ideal` must be at least as good as `anti_ideal`.*criterion 1"
    ):
        citymatch.topsis(x, [1, 1], [1, -1], ideal=[3, 9], anti_ideal=[1, 2])
    with pytest.raises(
        CitymatchValueError, match=r"must differ on every criterion under min-max.*both are 2.0"
    ):
        citymatch.topsis(x, [1, 1], [1, 1], normalization="minmax", ideal=[3, 2], anti_ideal=[1, 2])
    with pytest.raises(ShapeError, match=r"`ideal` must have 2 elements .*got shape \(3,\)"):
        citymatch.topsis(x, [1, 1], [1, 1], ideal=[1, 2, 3])
    with pytest.raises(NonFiniteError, match=r"`anti_ideal` must be finite .*got -inf at index 0"):
        citymatch.topsis(x, [1, 1], [1, 1], anti_ideal=[-np.inf, 0])


# ---------------------------------------------------------------- bad input
X = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        (
            {"matrix": [[1.0, np.nan, 3.0], [4, 5, 6]]},
            NonFiniteError,
            r"`matrix` must contain only finite numbers; got nan at row 0, column 1 \(1 non-finite cell in all\)",
        ),
        (
            {"matrix": [[1.0, 2, 3], [4, np.inf, 6], [1, 1, -np.inf]]},
            NonFiniteError,
            r"got inf at row 1, column 1 \(2 non-finite cells in all\)",
        ),
        (
            {"matrix": [1.0, 2.0, 3.0]},
            ShapeError,
            r"`matrix` must be 2-D \(candidates × criteria\); got 1-D",
        ),
        (
            {"matrix": [[1.0, 2.0, 3.0]]},
            ShapeError,
            r"`matrix` must have at least 2 candidates \(rows\) to rank; got 1",
        ),
        (
            {"matrix": [["a", "b", "c"], ["d", "e", "f"]]},
            CitymatchTypeError,
            r"`matrix` must hold numbers; got dtype <U1",
        ),
        (
            {"weights": [1, 2]},
            ShapeError,
            r"`weights` must have 3 elements \(one per criterion\); got 2",
        ),
        (
            {"weights": [1, -2, 1]},
            WeightsError,
            r"`weights` must be non-negative; got -2.0 at index 1",
        ),
        (
            {"weights": [0, 0, 0]},
            WeightsError,
            r"`weights` must not be all zero; got \[0.0, 0.0, 0.0\]",
        ),
        (
            {"weights": [1, np.nan, 1]},
            WeightsError,
            r"`weights` must be finite; got nan at index 1",
        ),
        ({"weights": [[1, 1, 1], [0, 0, 0]]}, WeightsError, r"weight vector 1 is all zero"),
        (
            {"weights": "abc"},
            CitymatchTypeError,
            r"`weights` must be an array of numbers; got 'abc'",
        ),
        (
            {"types": [1, "MAX", -1]},
            CriterionTypeError,
            r"`types\[1\]` must be 1, -1, 'benefit' or 'cost'; got 'MAX'",
        ),
        (
            {"types": [1, 0, -1]},
            CriterionTypeError,
            r"`types\[1\]` must be 1, -1, 'benefit' or 'cost'; got 0",
        ),
        ({"types": [True, 1, 1]}, CriterionTypeError, r"`types\[0\]` .*got True"),
        (
            {"types": [1, 1]},
            ShapeError,
            r"`types` must have 3 elements \(one per criterion\); got 2",
        ),
        (
            {"types": "benefit"},
            CitymatchTypeError,
            r"`types` must be a sequence .*got the string 'benefit'",
        ),
        (
            {"normalization": "l2"},
            CitymatchValueError,
            r"`normalization` must be one of 'vector', 'minmax', 'max', 'sum'; got 'l2'",
        ),
        (
            {"matrix": [[1.0, -2, 3], [4, 5, 6]], "normalization": "sum"},
            CitymatchValueError,
            r"non-negative under 'sum' normalisation.*criterion 1 has minimum -2.0",
        ),
    ],
)
def test_bad_input_messages(kwargs, exc, pattern):
    """Each bad input raises its error class, naming the argument, the rule and the value."""
    args = {"matrix": X, "weights": [1, 1, 1], "types": [1, -1, 1]}
    args.update(kwargs)
    with pytest.raises(exc, match=pattern):
        citymatch.topsis(args.pop("matrix"), args.pop("weights"), args.pop("types"), **args)


def test_errors_are_builtin_subclasses():
    """Every citymatch error is also the builtin that fits, and a CitymatchError."""
    with pytest.raises(ValueError):  # noqa: PT011 - checking the builtin base on purpose
        citymatch.topsis(X, [1, -1, 1], [1, 1, 1])
    with pytest.raises(TypeError):
        citymatch.topsis("not a matrix", [1], [1])
    with pytest.raises(citymatch.CitymatchError):
        citymatch.topsis(X, [1, 1, 1], [1, 2, 1])


def test_huge_values_do_not_overflow_vector_norm():
    """Σx² overflowing float64 falls back to a scaled norm: finite, correct scores."""
    x = np.array([[1e200, 1.0], [2e200, 3.0], [3e200, 2.0]])
    res = citymatch.topsis(x, [0.5, 0.5], [1, 1])
    small = citymatch.topsis(x / np.array([1e200, 1.0]), [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.scores, small.scores, rtol=1e-12)


def test_repr_and_html():
    """Compact repr names the method, normalisation and shape; the HTML repr has a footer."""
    res = citymatch.topsis(X, [1, 1, 1], [1, -1, 1])
    assert "vector normalisation · N=3 × M=3" in repr(res)
    assert "<table" in res._repr_html_() and "TOPSIS" in res._repr_html_()
    assert "K=2 weight vectors" in repr(citymatch.topsis(X, [[1, 1, 1], [1, 2, 3]], [1, -1, 1]))
