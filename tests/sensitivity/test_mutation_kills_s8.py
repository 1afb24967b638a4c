"""Tests written to kill surviving mutants of session 8 (docs/mutation/session8-acc.md):
``sensitivity/acceptability.py`` and ``sensitivity/stability.py``.

Expected values are counted here by hand (ranks of a TOPSIS written out in this file, one
weight vector at a time) or hand-solved (a WSM case), never taken from the code under test.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from citymatch.errors import CitymatchValueError
from citymatch.sensitivity import rank_acceptability, stability_intervals
from helpers import topsis_by_hand as _topsis_by_hand


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _twenty():
    """20 candidates on 3 criteria with 40 given weight vectors (fast: one block)."""
    rng = np.random.default_rng(8)
    x = rng.uniform(1, 10, size=(20, 3))
    ws = rng.dirichlet(np.ones(3), size=40)
    return x, ws, np.array([1, -1, 1])


def _expected_ranks(res):
    """Each candidate's expected rank by hand: Σ_r r · acceptability[i, r − 1] (all N ranks)."""
    n = res.acceptability.shape[0]
    return {res.ids[i]: sum((r + 1) * res.acceptability[i, r] for r in range(n)) for i in range(n)}


def test_plot_shows_the_top_15_by_default_top_on_request_and_draws_on_the_axes_given(pyplot):
    """``plot()`` draws the 15 candidates of best expected rank (the documented default
    ``top=15``), best first; ``plot(top=4)`` four of them, and ``plot(ax=ax)`` draws on (and
    returns) the caller's axes.  Expected ranks are summed here from the acceptability table."""
    x, ws, t = _twenty()
    res = rank_acceptability(x, ws[0], t, weight_samples=ws)
    er = _expected_ranks(res)
    best = sorted(er.values())
    ax = res.plot()
    shown = [er[tick.get_text()] for tick in ax.get_yticklabels()]
    np.testing.assert_allclose(shown, best[:15], rtol=0, atol=1e-9)
    _, mine = pyplot.subplots()
    assert res.plot(top=4, ax=mine) is mine
    shown = [er[tick.get_text()] for tick in mine.get_yticklabels()]
    np.testing.assert_allclose(shown, best[:4], rtol=0, atol=1e-9)


def test_html_preview_lists_the_best_expected_ranks_first_with_the_first_10_ranks():
    """The notebook table shows 12 of the 20 candidates, best expected rank first, with rank
    columns 1..10 only (and says how many rows are left out)."""
    x, ws, t = _twenty()
    res = rank_acceptability(x, ws[0], t, weight_samples=ws)
    er = _expected_ranks(res)
    html = res._repr_html_()
    head, body = html.split("<tbody>")
    assert re.findall(r"<th>(\d+)</th>", head) == [str(r) for r in range(1, 11)]
    assert "confidence" not in head
    shown = [er[i] for i in re.findall(r"<tr>\s*<th>(\d+)</th>", body)]
    np.testing.assert_allclose(shown, sorted(er.values())[:12], rtol=0, atol=1e-9)
    assert "… 8 more rows" in html


def test_top_k_probability_refusal_names_the_ranks_counted():
    """Asking for more ranks than were counted is refused with the count in the message."""
    x, ws, t = _twenty()
    res = rank_acceptability(x, ws[0], t, weight_samples=ws, ranks=5)
    with pytest.raises(
        CitymatchValueError,
        match=r"^`k` must be an integer in 1\.\.5; got 6 \(ranks counted: 5\)\.$",
    ):
        res.top_k_probability(6)


def test_defaults_are_10000_samples_and_concentration_50():
    """The documented defaults: ``samples=10_000`` (the kept vectors and ``samples`` say so)
    and, for the Dirichlet sampler, ``concentration=50`` — the default run equals the run
    with ``concentration=50.0`` given, and differs from one with 51."""
    x = np.array([[7.0, 3.0, 20.0], [5.0, 9.0, 40.0], [9.0, 6.0, 70.0]])
    t, w = [1, 1, -1], [0.5, 0.3, 0.2]
    default = rank_acceptability(x, w, t, sampler="dirichlet", rng=3, keep_samples=True)
    assert default.samples == 10_000 and default.weight_samples.shape == (10_000, 3)
    given = rank_acceptability(
        x, w, t, samples=10_000, sampler="dirichlet", concentration=50.0, rng=3, keep_samples=True
    )
    np.testing.assert_array_equal(default.weight_samples, given.weight_samples)
    other = rank_acceptability(
        x, w, t, samples=10_000, sampler="dirichlet", concentration=51.0, rng=3, keep_samples=True
    )
    assert not np.array_equal(default.weight_samples, other.weight_samples)


def test_threads_is_checked():
    """``threads`` must be a positive integer: 0 is refused with its name, rule and value."""
    x = np.array([[7.0, 3.0], [5.0, 9.0], [9.0, 6.0]])
    with pytest.raises(CitymatchValueError, match=r"^`threads` must be an integer ≥ 1; got 0\.$"):
        rank_acceptability(x, [0.5, 0.5], [1, 1], samples=10, rng=0, threads=0)


def test_a_candidate_first_in_exactly_one_sample_has_that_sample_as_central_weights():
    """Central weights are the mean of the weight vectors under which the candidate ranks
    first — also when that is one vector only (first-place mass exactly 1); its confidence
    is then its first place under that vector.  A candidate never first has NaN for both.
    Winners by the hand TOPSIS."""
    x = np.array([[9.0, 1.0], [1.0, 9.0], [5.0, 4.0]])
    t = np.array([1, 1])
    ws = np.array([[0.9, 0.1], [0.1, 0.9], [0.2, 0.8]])
    winners = [int(np.argmax(_topsis_by_hand(x, w, t))) for w in ws]
    assert winners == [0, 1, 1]
    res = rank_acceptability(x, [0.5, 0.5], t, weight_samples=ws)
    np.testing.assert_allclose(res.central_weights[0], ws[0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(res.central_weights[1], (ws[1] + ws[2]) / 2, rtol=0, atol=1e-15)
    assert np.isnan(res.central_weights[2]).all()
    for i in (0, 1):
        s = _topsis_by_hand(x, res.central_weights[i], t)
        assert res.confidence[i] == float(s[i] == s.max()) / (s == s.max()).sum()
    assert res.confidence[0] == 1.0 and np.isnan(res.confidence[2])


def test_wsm_pair_with_a_constant_score_gap_is_no_near_tie():
    """WSM, max normalisation (the values are their own normalised values: each column's
    maximum is 1).  Along c0's weight v: a = 0.6 + 0.4v, b = 0.3 + 0.4v, c = 1 − 0.8v, so
    a − b = 0.3 everywhere — a pair that never ties is no near tie — while a and c tie at
    v = 1/3 and b and c at v = 7/12 (hand-solved interval ends)."""
    x = np.array([[1.0, 0.6], [0.7, 0.3], [0.2, 1.0]])
    res = stability_intervals(x, [0.5, 0.5], [1, 1], k=2, method="WSM")
    assert res.near_ties.empty
    row = res.to_frame().set_index("criterion").loc["c0"]
    np.testing.assert_allclose(
        row[["top_low", "top_high", "topk_low", "topk_high", "order_low", "order_high"]].to_numpy(
            dtype=float
        ),
        [1 / 3, 1.0, 0.0, 7 / 12, 1 / 3, 7 / 12],
        rtol=0,
        atol=1e-12,
    )


def test_stability_refuses_a_negative_tie_tol_and_plots_on_the_axes_given(pyplot):
    """A negative ``tie_tol`` is refused with its name, rule and value; the tornado chart
    draws on (and returns) the caller's axes."""
    x = np.array([[1.0, 0.6], [0.7, 0.3], [0.2, 1.0]])
    with pytest.raises(
        CitymatchValueError, match=r"^`tie_tol` must be a finite number ≥ 0; got -1\.0\.$"
    ):
        stability_intervals(x, [0.5, 0.5], [1, 1], k=2, tie_tol=-1.0)
    res = stability_intervals(x, [0.5, 0.5], [1, 1], k=2)
    _, mine = pyplot.subplots()
    assert res.plot(ax=mine) is mine
