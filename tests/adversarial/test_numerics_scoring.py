"""Issue 13, numerics: TOPSIS and AHP refuse what float64 cannot hold, never a silent NaN.

Each test pins a failure of the adversarial run: values near 1e308 (non-finite scores with
only RuntimeWarnings), a subnormal column (silently dropped, flipping the ranking), complex
input (cast to real), AHP judgements of 1e300 (NaN weights), an unknown RI table accepted
for n = 2, ``rtol`` NaN or negative, and non-finite intermediate results.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import citymatch
from citymatch.errors import (
    CitymatchTypeError,
    CitymatchValueError,
    NonFiniteError,
    NumericRangeError,
    PairwiseMatrixError,
    RandomIndexError,
)
from citymatch.scoring import _kernels
from citymatch.scoring.streaming import Chunk, score_chunks

MAX = float(np.finfo(np.float64).max)


def closeness_by_hand(x, w, t, scale):
    """TOPSIS closeness computed directly from the textbook definition (no citymatch)."""
    x = np.asarray(x, dtype=float)
    r = x / scale
    v = r * (np.asarray(w) / np.sum(w))
    ideal = np.where(np.asarray(t) > 0, v.max(axis=0), v.min(axis=0))
    anti = np.where(np.asarray(t) > 0, v.min(axis=0), v.max(axis=0))
    dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return dm / (dp + dm)


def test_values_whose_difference_overflows_are_refused_with_the_limit():
    """A column spanning -1e308..1.5e308 (x − ideal overflows) is refused, the limit stated."""
    x = [[1e308, 1.0], [1.5e308, 2.0], [-1e308, 3.0]]
    for norm in ("vector", "minmax", "max"):
        with pytest.raises(
            NumericRangeError,
            match=r"criterion 0 span -1e\+308 to 1\.5e\+308.*max − min ≤ 1\.79769e\+308",
        ):
            citymatch.topsis(x, [1, 1], [1, 1], normalization=norm)


def test_norm_beyond_float64_is_refused_with_the_limit():
    """‖x‖₂ > 1.8e308 (vector) and Σx > 1.8e308 (sum) are refused with the limit in the message."""
    x = [[1e308, 1.0], [1.5e308, 2.0], [0.5e308, 3.0]]
    with pytest.raises(
        NumericRangeError, match=r"criterion 0: its norm ‖x‖₂ exceeds.*1\.79769e\+308"
    ):
        citymatch.topsis(x, [1, 1], [1, 1])
    with pytest.raises(NumericRangeError, match=r"criterion 0: its sum Σx exceeds.*1\.79769e\+308"):
        citymatch.topsis(x, [1, 1], [1, 1], normalization="sum")


@pytest.mark.parametrize("norm", ["vector", "sum"])
def test_huge_values_whose_squares_overflow_score_like_the_scaled_column(norm):
    """Values of 1e300 (Σx² overflows float64) score exactly as the same column divided by 1e300."""
    base = np.array([[1.0, 1.0], [1.5, 2.0], [0.5, 3.0], [1.2, 0.5]])
    big = base * np.array([1e300, 1.0])
    got = citymatch.topsis(big, [1, 1], [1, -1], normalization=norm).scores
    scale = np.sqrt((base**2).sum(axis=0)) if norm == "vector" else base.sum(axis=0)
    want = closeness_by_hand(base, [1, 1], [1, -1], scale)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_tiny_column_is_not_dropped():
    """A column of values ~1e-200 (squares underflow to 0) still counts: same scores as x·1e200."""
    base = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 1.0]])
    tiny = base * np.array([1e-200, 1.0])
    got = citymatch.topsis(tiny, [1, 1], [1, 1]).scores
    want = closeness_by_hand(base, [1, 1], [1, 1], np.sqrt((base**2).sum(axis=0)))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_subnormal_column_is_refused_not_silently_dropped():
    """A column whose values are subnormal (~1e-310) is refused, naming the column and the limit."""
    x = np.array([[1e-310, 2.0], [3e-310, 4.0], [5e-310, 1.0]])
    with pytest.raises(
        NumericRangeError,
        match=r"criterion 0 are subnormal \(max\|x\| = 5e-310 is below the smallest normal "
        r"float64 2\.22507e-308\)",
    ):
        citymatch.topsis(x, [1, 1], [1, 1])


def test_constant_subnormal_column_is_harmless():
    """A constant column separates no one: subnormal or not, it changes no score."""
    x = np.array([[1.0, 5e-310], [3.0, 5e-310], [2.0, 5e-310]])
    got = citymatch.topsis(x, [1, 1], [1, 1]).scores
    np.testing.assert_allclose(got, [0.0, 1.0, 0.5], rtol=0, atol=1e-12)


@pytest.mark.parametrize("rows", [3, 3 * 5000])  # the small kernel and the blocked kernel
def test_non_finite_scores_are_an_error_never_a_silent_nan(rows):
    """Distances that overflow (data far outside fixed min-max points 1e-300 apart) raise."""
    x = np.tile([[1e10, 1.0], [0.0, 2.0], [5.0, 3.0]], (rows // 3, 1))
    with pytest.raises(NumericRangeError, match=r"TOPSIS scores came out non-finite in \d+ places"):
        citymatch.topsis(
            x,
            [1, 1],
            [1, 1],
            normalization="minmax",
            ideal=[1e-300, np.nan],
            anti_ideal=[0.0, np.nan],
        )


def test_streamed_chunks_with_non_finite_scores_raise():
    """Pass 2 of the streaming driver refuses non-finite scores too (never a NaN in the output)."""
    x = np.array([[1e10, 1.0], [0.0, 2.0]])
    chunk = Chunk(x=x, rows=np.arange(2), labels={})
    coef = np.array([1e300, 1.0])
    with pytest.raises(NumericRangeError, match="TOPSIS scores came out non-finite in 1 place "):
        score_chunks([chunk], np.array([0.0, 2.0]), np.array([1e-300, 1.0]), coef, top=1, sink=None)


def test_kernel_distances_check_their_scores():
    """The blocked kernel (also used by Dask blocks) checks the scores it returns."""
    x = np.array([[1e10, 1.0], [0.0, 2.0]])
    with pytest.raises(NumericRangeError, match="non-finite"):
        _kernels.distances(x, np.array([0.0, 2.0]), np.array([1e-300, 1.0]), np.array([1e300, 1.0]))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"matrix": np.array([[1 + 2j, 2], [3, 4], [5, 6]])}, "matrix"),
        ({"matrix": [[1 + 0j, 2], [3, 4]]}, "matrix"),
        ({"weights": np.array([1 + 1j, 1.0])}, "weights"),
        ({"weights": [1j, 1]}, "weights"),
        ({"ideal": [1j, 5.0]}, "ideal"),
    ],
)
def test_complex_input_is_refused_naming_the_argument(kwargs, name):
    """Complex arrays are refused (never cast to real, dropping the imaginary part)."""
    args = {"matrix": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "weights": [1, 1], **kwargs}
    with pytest.raises(CitymatchTypeError, match=rf"`{name}` must hold real numbers; got complex"):
        citymatch.topsis(args["matrix"], args["weights"], [1, 1], ideal=args.get("ideal"))


@pytest.mark.parametrize(
    ("matrix", "pattern"),
    [
        (np.array([[True, False], [False, True]]), r"`matrix` must hold numbers; got dtype bool"),
        (np.array([["1", "2"], ["3", "4"]]), r"`matrix` must hold numbers; got dtype <U1"),
        (
            np.array([[1, None], [2, 3]], dtype=object),
            r"`matrix` must hold numbers; got dtype object",
        ),
    ],
)
def test_bool_text_and_object_matrices_are_refused(matrix, pattern):
    """Booleans, strings and objects are not numbers to rank on."""
    with pytest.raises(CitymatchTypeError, match=pattern):
        citymatch.topsis(matrix, [1, 1], [1, 1])


def test_bool_weights_are_refused():
    """Weights given as booleans are a mistake, not weights of 1 and 0."""
    with pytest.raises(CitymatchTypeError, match=r"`weights` must hold numbers; got booleans"):
        citymatch.topsis([[1.0, 2.0], [3.0, 1.0]], [True, False], [1, 1])


# ---- AHP ---------------------------------------------------------------------------------


def test_ahp_judgement_of_1e300_is_refused_with_the_range():
    """A judgement of 1e300 (NaN weights before) is outside the stated range [1/1e6, 1e6]."""
    a = [[1, 1e300, 2], [1e-300, 1, 3], [0.5, 1 / 3, 1]]
    with pytest.raises(
        PairwiseMatrixError,
        match=r"judgements must lie in \[1/1e\+06, 1e\+06\].*got 1e\+300 at row 0, column 1",
    ):
        citymatch.ahp(a)
    with pytest.raises(PairwiseMatrixError, match=r"got 1e-300 at row 0, column 1 in matrix 0"):
        citymatch.ahp_batch([[[1, 1e-300], [1e300, 1]]])


def test_ahp_judgements_at_the_limit_give_finite_weights():
    """At the limit (1e6) the weights are finite and exact: w = (1e6, 1) / (1e6 + 1)."""
    res = citymatch.ahp([[1, 1e6], [1e-6, 1]], method="eigenvector")
    np.testing.assert_allclose(res.weights, [1e6 / (1e6 + 1), 1 / (1e6 + 1)], rtol=1e-12)
    res = citymatch.ahp([[1, 1e6, 1e6], [1e-6, 1, 1], [1e-6, 1, 1]], method="geometric_mean")
    assert np.isfinite(res.weights).all() and np.isfinite(res.lambda_max)


@pytest.mark.parametrize("n", [1, 2])
def test_unknown_ri_table_is_refused_for_small_matrices(n):
    """An unknown RI table is refused for n ≤ 2 too (it was accepted and echoed back)."""
    a = np.ones((n, n))
    with pytest.raises(RandomIndexError, match=r"`ri` must be one of 'saaty1980'.*got 'bogus'"):
        citymatch.ahp(a, ri="bogus")


def test_ri_alias_is_resolved_for_small_matrices():
    """A known alias for n = 2 reports the table it stands for."""
    assert citymatch.ahp([[1, 2], [0.5, 1]], ri="saaty").ri_table == "saaty1980"


@pytest.mark.parametrize(
    ("rtol", "error", "pattern"),
    [
        (float("nan"), CitymatchValueError, r"`rtol` must be a finite number ≥ 0 and < 1; got nan"),
        (-0.1, CitymatchValueError, r"`rtol` must be a finite number ≥ 0 and < 1; got -0\.1"),
        (1.0, CitymatchValueError, r"`rtol` must be a finite number ≥ 0 and < 1; got 1\.0"),
        (float("inf"), CitymatchValueError, r"got inf"),
        ("0.1", CitymatchTypeError, r"`rtol` must be a real number; got '0\.1' of type str"),
        (True, CitymatchTypeError, r"`rtol` must be a real number; got True of type bool"),
    ],
)
def test_rtol_is_checked(rtol, error, pattern):
    """``rtol`` NaN, negative, ≥ 1 or not a number is refused (NaN accepted anything before)."""
    a = [[1, 2, 3], [0.5, 1, 2], [1 / 3, 0.5, 1]]
    with pytest.raises(error, match=pattern):
        citymatch.ahp(a, rtol=rtol)
    with pytest.raises(error, match=pattern):
        citymatch.ahp_batch([a], rtol=rtol)


def test_nan_rtol_no_longer_accepts_a_non_reciprocal_matrix():
    """With rtol NaN every comparison was False: a non-reciprocal matrix got weights."""
    with pytest.raises(CitymatchValueError, match="`rtol`"):
        citymatch.ahp([[1, 5], [5, 1]], rtol=float("nan"))


@pytest.mark.parametrize(
    ("pairwise", "pattern"),
    [
        (
            np.array([[1, 2 + 1j], [0.5, 1]]),
            r"got dtype complex128 \(an imaginary part is never dropped\)",
        ),
        ([[1, 2j], [0.5, 1]], r"got dtype complex128"),
        (np.array([[True, True], [True, True]]), r"got dtype bool"),
    ],
)
def test_ahp_refuses_complex_and_bool(pairwise, pattern):
    """Complex or boolean judgements are refused, naming the argument."""
    with pytest.raises(CitymatchTypeError, match=r"`pairwise` must hold real numbers.*" + pattern):
        citymatch.ahp(pairwise)


def test_ahp_group_refuses_complex_expert_weights():
    """Expert weights are real numbers."""
    a = [[1, 3], [1 / 3, 1]]
    with pytest.raises(CitymatchTypeError, match=r"`expert_weights` must hold real numbers"):
        citymatch.ahp_group([a, a], expert_weights=[1j, 1])


def test_non_finite_ahp_weights_are_an_error(monkeypatch):
    """If the eigen-iteration ever produced NaN, AHP raises instead of returning NaN weights."""
    ahp_module = importlib.import_module("citymatch.scoring.ahp")

    def broken(stack, **_kw):
        k, n = stack.shape[:2]
        return np.full((k, n), np.nan), np.full(k, np.nan)

    monkeypatch.setattr(ahp_module, "_principal", broken)
    with pytest.raises(NonFiniteError, match=r"AHP weights came out non-finite in 3 places"):
        citymatch.ahp([[1, 2, 3], [0.5, 1, 2], [1 / 3, 0.5, 1]])


@pytest.mark.parametrize("method", ["vikor", "wsm", "mabac", "spotis", "copras", "waspas"])
def test_subnormal_columns_are_refused_by_every_method(method):
    """A column of subnormal values (1e-310) is refused with the limit, never scored wrongly.

    Found by the second adversarial pass: VIKOR divided by a subnormal range (1/span = inf) and
    returned a ranking opposite to that of the same data rescaled.
    """
    x = np.array([[1e-310, 1.0], [2e-310, 2.0], [3e-310, 1.5]])
    fn = getattr(citymatch, method)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no raw numpy warning on the way
        with pytest.raises(
            NumericRangeError, match=r"below the smallest normal float64 2\.22507e-308"
        ):
            fn(x, [0.5, 0.5], [1, -1])


def test_a_subnormal_cost_value_is_refused_under_ratio_normalisation():
    """min/x of a subnormal cost value overflows: refused, naming the cost criterion."""
    with pytest.raises(NumericRangeError, match="cost criterion 1 go down to 1e-310"):
        citymatch.wsm([[1.0, 1e-310], [2.0, 2.0]], [0.5, 0.5], [1, -1])
