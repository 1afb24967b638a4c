"""Issue 13, numerics: unchecked arguments become clear citymatch errors.

Every numeric argument of the public API is checked by one validator in ``_validate``
(``threads``, ``rtol``, counts and caps, ``time_limit``, seeds); each message names the
argument, the rule and the value.  The table of what each accepts: ``docs/arguments.md``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import citymatch
from citymatch import agreements as ag
from citymatch import sensitivity as sa
from citymatch.errors import (
    CitymatchTypeError,
    CitymatchValueError,
    PortfolioError,
    ShapeError,
    WeightsError,
)
from citymatch.sampling import sample_weights, seed_sequence
from citymatch.scoring.streaming import Chunk, score_chunks
from helpers import ROOT

X = np.array([[5.0, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6], [6, 7, 5]])
W = [0.3, 0.4, 0.3]
T = [1, 1, -1]

THREADS = [
    (0, CitymatchValueError, r"`threads` must be an integer ≥ 1; got 0\."),
    (-3, CitymatchValueError, r"`threads` must be an integer ≥ 1; got -3\."),
    ("4", CitymatchTypeError, r"`threads` must be an integer ≥ 1; got '4' of type str"),
    (True, CitymatchTypeError, r"`threads` must be an integer ≥ 1; got True of type bool"),
    (2.5, CitymatchTypeError, r"`threads` must be an integer ≥ 1; got 2\.5 of type float"),
]


@pytest.mark.parametrize(("threads", "error", "pattern"), THREADS)
def test_topsis_threads_are_checked(threads, error, pattern):
    """``threads`` is None or a positive int (0, -3, '4', True and 2.5 were accepted)."""
    with pytest.raises(error, match=pattern):
        citymatch.topsis(X, W, T, threads=threads)


@pytest.mark.parametrize(("threads", "error", "pattern"), THREADS)
def test_rank_threads_are_checked(threads, error, pattern):
    """``rank(..., threads=)`` goes through the same validator."""
    with pytest.raises(error, match=pattern):
        citymatch.rank(citymatch.datasets.load_cities(), "partnership-city", threads=threads)


@pytest.mark.parametrize(("threads", "error", "pattern"), THREADS)
def test_streamed_pass_threads_are_checked_before_any_chunk(threads, error, pattern):
    """The streaming driver (Parquet, folder) checks ``threads`` before reading a chunk."""

    def chunks():
        raise AssertionError("no chunk may be read before the arguments are checked")
        yield Chunk(x=X, rows=np.arange(5), labels={})  # pragma: no cover

    z = np.zeros(3)
    with pytest.raises(error, match=pattern):
        score_chunks(chunks(), z, z, z, top=1, sink=None, threads=threads)


def test_valid_threads_give_the_same_scores():
    """1 and 3 threads and None give identical scores (valid values still work)."""
    a = citymatch.topsis(X, W, T, threads=1).scores
    np.testing.assert_array_equal(citymatch.topsis(X, W, T, threads=np.int64(3)).scores, a)
    np.testing.assert_array_equal(citymatch.topsis(X, W, T).scores, a)


# ---- sample_weights --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((0, 5), {}, CitymatchValueError, r"`m` must be an integer ≥ 1; got 0\."),
        ((True, 5), {}, CitymatchTypeError, r"`m` must be an integer ≥ 1; got True of type bool"),
        (
            (3, True),
            {},
            CitymatchTypeError,
            r"`size` must be an integer ≥ 1; got True of type bool",
        ),
        ((3, -1), {}, CitymatchValueError, r"`size` must be an integer ≥ 1; got -1\."),
        ((3, 0), {}, CitymatchValueError, r"`size` must be an integer ≥ 1; got 0\."),
        (
            (3, 2.0),
            {},
            CitymatchTypeError,
            r"`size` must be an integer ≥ 1; got 2\.0 of type float",
        ),
        (
            (3, 5),
            {"base": [-1, 1, 1]},
            WeightsError,
            r"`base` must be finite and non-negative; got -1\.0 at index 0",
        ),
        (
            (3, 5),
            {"base": [0, 0, 0]},
            WeightsError,
            r"`base` must not be all zero; got \[0\.0, 0\.0, 0\.0\]",
        ),
        ((3, 5), {"base": [1, np.nan, 1]}, WeightsError, r"got nan at index 1"),
        ((3, 5), {"base": [1, 1]}, ShapeError, r"`base` must have 3 elements .* got shape \(2,\)"),
        ((3, 5), {"base": [1j, 1, 1]}, CitymatchTypeError, r"`base` must hold real numbers"),
        (
            (3, 5),
            {"rng": -1},
            CitymatchValueError,
            r"`rng` seed must be a non-negative int; got -1",
        ),
        (
            (3, 5),
            {"rng": 1.5},
            CitymatchTypeError,
            r"`rng` must be a numpy Generator, an int seed or None; got float 1\.5",
        ),
        (
            (3, 5),
            {"rng": True},
            CitymatchTypeError,
            r"`rng` must be a numpy Generator, an int seed or None; got bool",
        ),
        ((3, 5), {"criteria": ["a", "b"]}, ShapeError, r"`criteria` must name 3 criteria"),
    ],
)
def test_sample_weights_arguments_are_checked(args, kwargs, error, pattern):
    """m = 0, size=True, negative sizes, a negative / all-zero / complex base, bad seeds: refused."""
    with pytest.raises(error, match=pattern):
        sample_weights(*args, **kwargs)


def test_sample_weights_base_is_used_normalised():
    """A valid base (not summing to 1) centres the Dirichlet draws on base / Σ base."""
    w = sample_weights(3, 4000, sampler="dirichlet", base=[2, 1, 1], concentration=400, rng=3)
    np.testing.assert_allclose(w.mean(axis=0), [0.5, 0.25, 0.25], atol=0.01)


@pytest.mark.parametrize(
    ("rng", "error", "pattern"),
    [
        (-5, CitymatchValueError, r"`rng` seed must be a non-negative int; got -5"),
        (
            "7",
            CitymatchTypeError,
            r"`rng` must be a numpy Generator, an int seed or None; got str '7'",
        ),
        (np.random.SeedSequence(1), CitymatchTypeError, r"got SeedSequence"),
    ],
)
def test_seeds_of_the_wrong_type_are_refused(rng, error, pattern):
    """Seeds: None, an int ≥ 0 or a Generator, everywhere a seed is taken."""
    with pytest.raises(error, match=pattern):
        seed_sequence(rng)
    with pytest.raises(error, match=pattern):
        sa.rank_acceptability(X, W, T, samples=10, rng=rng)


# ---- tolerances of the sensitivity features ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "error", "pattern"),
    [
        (float("nan"), CitymatchValueError, r"`tie_tol` must be a finite number ≥ 0; got nan"),
        (-1e-9, CitymatchValueError, r"`tie_tol` must be a finite number ≥ 0; got -1e-09"),
        ("1e-9", CitymatchTypeError, r"`tie_tol` must be a real number; got '1e-9'"),
    ],
)
def test_stability_tie_tol_is_checked(value, error, pattern):
    """``tie_tol`` NaN or negative made every near-tie check silently false."""
    with pytest.raises(error, match=pattern):
        sa.stability_intervals(X, W, T, tie_tol=value)


@pytest.mark.parametrize("value", [float("nan"), -1.0])
def test_what_it_takes_tol_is_checked(value):
    """``tol`` of the counterfactual search is a finite number ≥ 0."""
    with pytest.raises(CitymatchValueError, match=r"`tol` must be a finite number ≥ 0; got"):
        sa.what_it_takes(X, "4", W, T, k=2, tol=value)


# ---- time limits and caps --------------------------------------------------------------

PROBLEM = {
    "start_year": 2026,
    "years": 1,
    "budget": 14,
    "new_per_year_min": None,
    "new_per_year_max": None,
    "projects": [{"id": "P1", "value": 3, "cost": 5}, {"id": "P2", "value": 4, "cost": 10}],
}


@pytest.mark.parametrize(
    ("limit", "error", "pattern"),
    [
        (
            "abc",
            CitymatchTypeError,
            r"`time_limit` must be positive seconds or None; got 'abc' of type str",
        ),
        (
            True,
            CitymatchTypeError,
            r"`time_limit` must be positive seconds or None; got True of type bool",
        ),
        (-1, CitymatchValueError, r"`time_limit` must be positive seconds or None; got -1 "),
        (0, CitymatchValueError, r"`time_limit` must be positive seconds or None; got 0 "),
        (
            float("nan"),
            CitymatchValueError,
            r"`time_limit` must be positive seconds or None; got nan",
        ),
        (float("-inf"), CitymatchValueError, r"got -inf"),
    ],
)
def test_time_limit_is_checked(limit, error, pattern):
    """``time_limit='abc'`` gave a bare TypeError; True was read as 1 second."""
    with pytest.raises(error, match=pattern):
        citymatch.optimize_portfolio(PROBLEM, time_limit=limit)


def test_infinite_time_limit_means_no_limit():
    """``inf`` is documented as "no limit", like None: the plan is solved to optimality."""
    plan = citymatch.optimize_portfolio(PROBLEM, time_limit=float("inf"))
    assert plan.success and dict(plan.x) == {"P1": None, "P2": 2026}


def test_portfolio_agreement_cap_must_be_non_negative():
    """``agreement_cap=-1`` is refused by the problem model (naming the field and value)."""
    with pytest.raises(
        PortfolioError, match=r"agreement_cap: Input should be greater than or equal to 0; got -1"
    ):
        citymatch.optimize_portfolio({**PROBLEM, "agreement_cap": -1})


def test_screening_cap_must_be_at_least_one():
    """A screening cap rule (``max_total``) with max = -1 is refused by the criteria model."""
    from citymatch.models.criteria import ScreeningRule

    with pytest.raises(ValueError, match=r"max\n.*greater than or equal to 1"):
        ScreeningRule(id="cap", kind="max_total", occupied="active", max=-1)


@pytest.mark.parametrize(
    ("cap", "error", "pattern"),
    [
        (-1, CitymatchValueError, r"`cap` must be an integer ≥ 0; got -1\."),
        (2.5, CitymatchTypeError, r"`cap` must be an integer ≥ 0; got 2\.5 of type float"),
        (True, CitymatchTypeError, r"`cap` must be an integer ≥ 0; got True of type bool"),
        ("10", CitymatchTypeError, r"`cap` must be an integer ≥ 0; got '10' of type str"),
    ],
)
def test_partnership_cap_of_the_review_is_checked(cap, error, pattern):
    """The review's cap on agreements in force (``--cap``) must be a non-negative int.

    ``cap=-1`` was accepted and recommended every agreement in force for sunset.
    """
    reg = ag.load_register(ROOT / "examples" / "register")  # the shipped Toronto register
    with pytest.raises(error, match=pattern):
        ag.review(reg, as_of=date(2026, 11, 27), cap=cap)


@pytest.mark.parametrize("entry", ["topsis_parquet", "rank_parquet"])
def test_streamed_threads_are_checked_before_any_pass(tmp_path, entry):
    """A bad `threads` is refused before the source is read (a missing file is not reached)."""
    from citymatch import scale

    missing = tmp_path / "never-read.parquet"
    call = {
        "topsis_parquet": lambda: scale.topsis_parquet(
            missing, ["a"], [1.0], [1], top=1, threads=0
        ),
        "rank_parquet": lambda: scale.rank_parquet(missing, "partnership-city", top=1, threads=0),
    }[entry]
    with pytest.raises(citymatch.errors.CitymatchError, match="`threads` must be"):
        call()


@pytest.mark.parametrize("k", [None, 2])
def test_huge_weights_keep_their_ratios_when_their_sum_overflows(k):
    """Weights are normalised to sum to 1 whatever their scale: [1e308, 1e308, 0] are
    [½, ½, 0], as [1, 1, 0] are — their sum overflows float64, and dividing by it made every
    weight 0 and every score equal (found by session 12's adversarial review)."""
    x = np.array([[4.0, 1.0, 7.0], [2.0, 3.0, 1.0], [3.0, 2.0, 5.0]])
    huge = np.array([1e308, 1e308, 0.0])
    small = np.array([1.0, 1.0, 0.0])
    if k:
        huge, small = np.tile(huge, (k, 1)), np.tile(small, (k, 1))
    for method in (citymatch.wsm, citymatch.wpm, citymatch.topsis):
        got = method(x, huge, [1, -1, 1]).scores
        np.testing.assert_allclose(got, method(x, small, [1, -1, 1]).scores, rtol=1e-15)
