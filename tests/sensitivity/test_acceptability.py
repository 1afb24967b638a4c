"""SMAA-2 rank acceptability: samplers, counts, central weights, confidence factors, bad input,
and property tests of the counts (sums, split ties, seeds, chunking)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from citymatch import sensitivity as sa
from citymatch.errors import CitymatchTypeError, CitymatchValueError, ShapeError


# ------------------------------------------------------------------ samplers
def test_uniform_simplex_sampler_marginals():
    """Uniform-on-simplex weights: each mean ≈ 1/M and each marginal is Beta(1, M−1)
    (Kolmogorov–Smirnov, fixed seed, p > 0.01); naive normalised uniform draws fail the same test."""
    m = 4
    w = sa.sample_weights(m, 20_000, rng=7)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.abs(w.mean(axis=0) - 1 / m).max() < 0.005
    for j in range(m):
        assert stats.kstest(w[:, j], stats.beta(1, m - 1).cdf).pvalue > 0.01
    naive = np.random.default_rng(7).uniform(size=(20_000, m))
    naive /= naive.sum(axis=1, keepdims=True)
    assert stats.kstest(naive[:, 0], stats.beta(1, m - 1).cdf).pvalue < 1e-6


def test_dirichlet_intervals_and_ordinal_samplers():
    """Dirichlet centres on the base weights; interval samples stay in their boxes; ordinal
    samples respect the order."""
    base = np.array([0.5, 0.3, 0.2])
    d = sa.sample_weights(3, 20_000, sampler="dirichlet", base=base, concentration=200, rng=1)
    np.testing.assert_allclose(d.mean(axis=0), base, atol=0.003)
    box = [(0.2, 0.6), (0.1, 0.5), (0.0, 0.3)]
    b = sa.sample_weights(3, 2000, sampler="intervals", intervals=box, rng=1)
    assert np.all((b >= np.array(box)[:, 0]) & (b <= np.array(box)[:, 1]))
    o = sa.sample_weights(3, 2000, sampler="ordinal", order=["c2", "c0", "c1"], rng=1)
    assert np.all(o[:, 2] >= o[:, 0]) and np.all(o[:, 0] >= o[:, 1])


# ------------------------------------------------------------------ counts
def test_acceptability_rows_and_columns_sum_to_one(ranking):
    """Rows and columns of the acceptability matrix each sum to 1; top-k probabilities match."""
    res = sa.rank_acceptability(ranking, samples=3000, rng=3)
    np.testing.assert_allclose(res.acceptability.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(res.acceptability.sum(axis=1), 1.0, atol=1e-12)
    p3 = res.top_k_probability(3)
    np.testing.assert_allclose(p3.sum(), 3.0)
    assert res.to_frame().shape == (len(ranking.table), len(ranking.table) + 1)


def test_acceptability_equals_counting_by_hand(plain_topsis):
    """With given weight vectors, acceptability is the share of vectors giving each rank,
    computed here by ranking each vector's plain-TOPSIS scores."""
    rng = np.random.default_rng(4)
    x = rng.uniform(1, 10, size=(5, 3))
    t = [1, -1, 1]
    ws = rng.dirichlet(np.ones(3), size=300)
    res = sa.rank_acceptability(x, [1, 1, 1], t, weight_samples=ws)
    expected = np.zeros((5, 5))
    for w in ws:
        s = plain_topsis(x, w, t)
        for r, i in enumerate(np.argsort(-s)):
            expected[i, r] += 1 / len(ws)
    np.testing.assert_allclose(res.acceptability, expected, atol=1e-12)


def test_dominating_candidate_always_first():
    """A candidate that dominates all others has acceptability 1 for rank 1 and confidence 1."""
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 5, size=(8, 3))
    x[4] = [9, 9, 0.5]
    res = sa.rank_acceptability(x, [1, 1, 1], [1, 1, -1], samples=2000, rng=0)
    assert res.acceptability[4, 0] == 1.0
    assert res.confidence[4] == 1.0
    np.testing.assert_allclose(res.central_weights[4].sum(), 1.0)


def test_ties_split_ranks():
    """Two identical candidates split ranks 1 and 2 equally: rows and columns still sum to 1."""
    x = np.array([[3.0, 3.0], [3.0, 3.0], [1.0, 1.0]])
    res = sa.rank_acceptability(x, [1, 1], [1, 1], samples=500, rng=0)
    np.testing.assert_allclose(res.acceptability[:2, :2], 0.5)
    np.testing.assert_allclose(res.acceptability.sum(axis=0), 1.0)


def test_reproducible_and_chunk_independent(ranking):
    """Same seed → identical results; chunked and unchunked runs are identical."""
    a = sa.rank_acceptability(ranking, samples=5000, rng=11)
    b = sa.rank_acceptability(ranking, samples=5000, rng=11, chunk=1024)
    c = sa.rank_acceptability(ranking, samples=5000, rng=11, chunk=3000)
    np.testing.assert_array_equal(a.acceptability, b.acceptability)
    np.testing.assert_array_equal(a.acceptability, c.acceptability)
    np.testing.assert_array_equal(a.central_weights, b.central_weights)
    d = sa.rank_acceptability(ranking, samples=5000, rng=12)
    assert not np.array_equal(a.acceptability, d.acceptability)


def test_data_noise_and_weight_samples(ranking):
    """Noise on the data spreads the acceptabilities; given weight samples are used as-is."""
    quiet = sa.rank_acceptability(
        ranking, samples=1000, rng=1, sampler="dirichlet", concentration=1e6
    )
    noisy = sa.rank_acceptability(
        ranking, samples=1000, rng=1, sampler="dirichlet", concentration=1e6, noise=0.3
    )
    assert quiet.acceptability[:, 0].max() > 0.99  # base weights: the base winner always wins
    assert noisy.acceptability[:, 0].max() < quiet.acceptability[:, 0].max()
    w = np.tile(ranking.weights.to_numpy(), (10, 1))
    given_ = sa.rank_acceptability(ranking, weight_samples=w)
    assert given_.samples == 10 and given_.sampler == "given"
    winner = ranking.table["id"].iloc[0]
    assert given_.acceptability[given_.ids.index(winner), 0] == 1.0


# ------------------------------------------------------------------ central weights, confidence
# Candidate 0 wins under W_A and under W_B, but candidate 3 wins at their mean (found by
# search; score margins ≥ 0.04, so no near-tie is involved).
X_NONCONVEX = np.array([[9.0, 3.0, 6.0], [1.0, 1.0, 2.0], [8.0, 2.0, 7.0], [5.0, 5.0, 1.0]])
W_A = np.array([0.01, 0.56, 0.43])
W_B = np.array([0.53, 0.44, 0.03])


def test_confidence_is_zero_when_the_central_weights_do_not_make_the_candidate_win(
    plain_topsis,
):
    """SMAA-2's confidence factor is not 1 by construction: candidate 0 ranks first under both
    sampled weight vectors, so its central weight vector is their mean — where candidate 3
    wins (checked with a plain TOPSIS), so candidate 0's confidence is 0. Candidates never
    first have NaN central weights and confidence."""
    t = [1, 1, 1]
    assert np.argmax(plain_topsis(X_NONCONVEX, W_A, t)) == 0
    assert np.argmax(plain_topsis(X_NONCONVEX, W_B, t)) == 0
    central = (W_A + W_B) / 2
    expected_winner = int(np.argmax(plain_topsis(X_NONCONVEX, central, t)))
    assert expected_winner == 3
    res = sa.rank_acceptability(X_NONCONVEX, [1, 1, 1], t, weight_samples=[W_A, W_B])
    assert res.acceptability[0, 0] == 1.0
    np.testing.assert_allclose(res.central_weights[0], central, atol=1e-15)
    assert res.confidence[0] == 0.0
    assert np.isnan(res.central_weights[1:]).all() and np.isnan(res.confidence[1:]).all()


def test_confidence_under_noise_matches_an_independent_monte_carlo(plain_topsis):
    """Under data noise, confidence = P(first | central weights) over perturbed data. With one
    weight vector given, every candidate's central weights are that vector; the expected
    probabilities come from an independent 40,000-draw Monte Carlo with a plain TOPSIS
    (tolerance: 5 standard errors of the library's 1,000 draws)."""
    rng = np.random.default_rng(8)
    x = np.array([[6.0, 4.0, 5.0], [5.5, 4.5, 5.0], [5.0, 5.0, 5.2], [2.0, 3.0, 2.0]])
    t = [1, 1, 1]
    w = np.array([0.4, 0.35, 0.25])
    sigma = 0.08
    res = sa.rank_acceptability(x, w, t, weight_samples=np.tile(w, (400, 1)), noise=sigma, rng=3)
    seen = ~np.isnan(res.confidence)
    np.testing.assert_allclose(res.central_weights[seen], np.tile(w, (seen.sum(), 1)))
    draws = 40_000
    wins = np.zeros(len(x))
    for _ in range(draws):
        xs = x * (1 + sigma * rng.standard_normal(x.shape))
        wins[np.argmax(plain_topsis(xs, w, t))] += 1
    expected = wins / draws
    assert 0.05 < expected.max() < 0.95  # noise makes the winner uncertain
    assert seen[np.argmax(expected)]
    tol = 5 * np.sqrt(expected * (1 - expected) / 1000) + 1e-3
    assert (np.abs(res.confidence[seen] - expected[seen]) <= tol[seen]).all()
    assert res.confidence[seen].max() < 1.0


def test_tied_winners_share_first_place_mass_and_confidence():
    """Two identical best candidates: every sample counts 1/2 towards each one's central
    weights, so both central weight vectors are the mean of all samples, and under those
    weights each holds half of first place (confidence 1/2)."""
    x = np.array([[4.0, 4.0, 4.0], [4.0, 4.0, 4.0], [1.0, 2.0, 3.0], [3.0, 1.0, 2.0]])
    ws = np.random.default_rng(2).dirichlet(np.ones(3), size=50)
    res = sa.rank_acceptability(x, [1, 1, 1], [1, 1, 1], weight_samples=ws)
    np.testing.assert_allclose(res.acceptability[:2, 0], 0.5)
    np.testing.assert_allclose(res.central_weights[0], ws.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(res.central_weights[1], ws.mean(axis=0), atol=1e-14)
    np.testing.assert_array_equal(res.confidence[:2], [0.5, 0.5])


def test_first_place_shares_split_ties_like_the_rank_counts():
    """first_place_shares gives 1/k to each of k tied leaders (ties after 12-decimal rounding),
    every row sums to 1, and its column sums equal the first column of add_rank_counts."""
    from citymatch.scoring.ranks import add_rank_counts, first_place_shares

    scores = np.array(
        [
            [0.9, 0.1, 0.9, 0.2],
            [0.3, 0.8, 0.1, 0.2],
            [0.5, 0.5 + 1e-14, 0.5, 0.1],  # equal after rounding: a three-way tie
        ]
    )
    shares = first_place_shares(scores)
    expected = np.array([[0.5, 0, 0.5, 0], [0, 1, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]])
    np.testing.assert_allclose(shares, expected, atol=1e-15)
    counts = np.zeros((4, 4))
    add_rank_counts(scores, counts)
    np.testing.assert_allclose(shares.sum(axis=0), counts[:, 0], atol=1e-15)


# ------------------------------------------------------------------ bad input, options
@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"samples": 0}, CitymatchValueError, r"`samples` must be a positive integer; got 0"),
        ({"samples": -5}, CitymatchValueError, r"`samples` must be a positive integer; got -5"),
        (
            {"sampler": "gibbs"},
            CitymatchValueError,
            r"`sampler` must be 'uniform', 'dirichlet', 'intervals' or 'ordinal'; got 'gibbs'",
        ),
        (
            {"sampler": "intervals", "intervals": [(0, 1.2)] * 3},
            CitymatchValueError,
            r"0 ≤ low ≤ high ≤ 1; got \(0, 1.2\) for 'c0'",
        ),
        (
            {"sampler": "intervals", "intervals": [(0.5, 0.6)] * 3},
            CitymatchValueError,
            r"contain no weight vector summing to 1: Σ low = 1.5",
        ),
        (
            {"sampler": "intervals", "intervals": [(0, 1)] * 2},
            ShapeError,
            r"`intervals` must give \(low, high\) for each of 3 criteria",
        ),
        (
            {"sampler": "ordinal", "order": ["c0", "c1", "cost"]},
            CitymatchValueError,
            r"`order` names unknown criteria \['cost'\]",
        ),
        (
            {"sampler": "ordinal", "order": ["c0", "c1"]},
            CitymatchValueError,
            r"`order` must rank every criterion exactly once",
        ),
        (
            {"noise": -0.1},
            CitymatchValueError,
            r"`noise` must be finite and ≥ 0 per criterion; got \[-0.1, -0.1, -0.1\]",
        ),
        ({"noise": {"c9": 0.1}}, CitymatchValueError, r"`noise` names unknown criteria \['c9'\]"),
        (
            {"noise": 0.1, "noise_kind": "gauss"},
            CitymatchValueError,
            r"`noise_kind` must be 'relative' or 'absolute'; got 'gauss'",
        ),
        (
            {"sampler": "dirichlet", "concentration": 0},
            CitymatchValueError,
            r"`concentration` must be a positive number; got 0",
        ),
        (
            {"rng": "seed"},
            CitymatchTypeError,
            r"`rng` must be a numpy Generator, an int seed or None; got str",
        ),
        ({"chunk": 0}, CitymatchValueError, r"`chunk` must be a positive integer; got 0"),
    ],
)
def test_bad_input(kwargs, exc, pattern):
    """Each bad argument is refused with a message naming it and the value."""
    x = np.random.default_rng(0).uniform(1, 2, size=(5, 3))
    with pytest.raises(exc, match=pattern):
        sa.rank_acceptability(x, [1, 1, 1], [1, 1, 1], **{"samples": 100, **kwargs})


def test_top_k_probability_refuses_bad_k():
    """`top_k_probability(k)` needs 1 ≤ k ≤ N."""
    res = sa.rank_acceptability(np.eye(3) + 1, [1, 1, 1], [1, 1, 1], samples=10, rng=0)
    with pytest.raises(CitymatchValueError, match=r"`k` must be an integer in 1\.\.3; got 4"):
        res.top_k_probability(4)


def test_result_arrays_are_read_only(ranking):
    """The result owns read-only arrays: writing to them raises."""
    res = sa.rank_acceptability(ranking, samples=100, rng=0, keep_samples=True)
    for arr in (res.acceptability, res.central_weights, res.confidence, res.weight_samples):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.0


# ------------------------------------------------------------------ property tests
@st.composite
def smaa_cases(draw):
    n = draw(st.integers(2, 6))
    m = draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(1.0, 10.0, size=(n, m))
    twin = draw(st.none() | st.integers(0, n - 1))
    if twin is not None:  # an exact copy of one candidate, appended
        x = np.vstack([x, x[twin]])
    t = rng.choice([1, -1], size=m)
    sampler = draw(st.sampled_from(["uniform", "dirichlet", "ordinal"]))
    samples = draw(st.integers(1, 3000))
    chunk = draw(st.sampled_from([1, 700, 1024, 2048]))
    seed = draw(st.integers(0, 2**31))
    return x, t, twin, sampler, samples, chunk, seed


def _run(x, t, sampler, samples, seed, chunk=None):
    m = x.shape[1]
    order = [f"c{j}" for j in range(m)][::-1] if sampler == "ordinal" else None
    return sa.rank_acceptability(
        x, np.ones(m), t, samples=samples, sampler=sampler, order=order, rng=seed, chunk=chunk
    )


@settings(max_examples=40, deadline=None)
@given(case=smaa_cases())
def test_smaa_counts_properties(case):
    """For random problems: rows and columns of the acceptability matrix each sum to 1; an
    exact copy of a candidate gets an identical row (ties split); the same seed gives the
    same answer; and the answer does not depend on ``chunk``."""
    x, t, twin, sampler, samples, chunk, seed = case
    a = _run(x, t, sampler, samples, seed)
    np.testing.assert_allclose(a.acceptability.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(a.acceptability.sum(axis=1), 1.0, atol=1e-12)
    if twin is not None:
        np.testing.assert_array_equal(a.acceptability[twin], a.acceptability[-1])
        np.testing.assert_array_equal(a.central_weights[twin], a.central_weights[-1])
        np.testing.assert_array_equal(a.confidence[twin], a.confidence[-1])
    again = _run(x, t, sampler, samples, seed)
    chunked = _run(x, t, sampler, samples, seed, chunk=chunk)
    for other in (again, chunked):
        np.testing.assert_array_equal(a.acceptability, other.acceptability)
        np.testing.assert_array_equal(a.central_weights, other.central_weights)
        np.testing.assert_array_equal(a.confidence, other.confidence)


# ------------------------------------------------------------------ pinned against hand counts
def _split_rank_counts(scores_by_sample):
    """Acceptability by hand: per sample, a group of g tied candidates (12-decimal rounding)
    occupying ranks r … r+g−1 adds 1/g to each of those ranks for each member."""
    k, n = scores_by_sample.shape
    acc = np.zeros((n, n))
    for s in np.round(scores_by_sample, 12):
        for i in range(n):
            better = int((s > s[i]).sum())
            tied = int((s == s[i]).sum())
            acc[i, better : better + tied] += 1.0 / tied
    return acc / k


def _smaa_by_hand(x, t, ws, plain_topsis, norm="vector"):
    """Acceptability, central weights and confidence (no noise) from the weight vectors used,
    with a plain TOPSIS: central weights weigh a sample 1/g for each of g tied leaders."""
    scores = np.array([plain_topsis(x, w, t, norm) for w in ws])
    acc = _split_rank_counts(scores)
    rounded = np.round(scores, 12)
    lead = rounded == rounded.max(axis=1, keepdims=True)
    mass = lead / lead.sum(axis=1, keepdims=True)  # (K, N)
    with np.errstate(invalid="ignore"):
        central = (mass.T @ ws) / mass.sum(axis=0)[:, None]
    conf = np.full(len(x), np.nan)
    for i in np.flatnonzero(mass.sum(axis=0) > 0):
        s = np.round(plain_topsis(x, central[i], t, norm), 12)
        conf[i] = (s[i] == s.max()) / (s == s.max()).sum()
    return acc, central, conf


@pytest.mark.parametrize("sampler", ["uniform", "dirichlet", "intervals", "ordinal"])
def test_acceptability_central_weights_and_confidence_from_the_kept_samples(sampler, plain_topsis):
    """Over several sample blocks (2,500 samples: blocks of 1,024, 1,024 and 452), the
    acceptability matrix, central weights and confidence equal a hand count over the weight
    vectors the run used (``keep_samples``) with a plain TOPSIS; the kept vectors sum to 1
    and follow the sampler's options (Dirichlet around the base, boxes, order)."""
    rng = np.random.default_rng(21)
    x = rng.uniform(1, 10, size=(5, 3))
    t = [1, -1, 1]
    base = np.array([0.5, 0.3, 0.2])
    box = [(0.3, 0.6), (0.1, 0.4), (0.1, 0.3)]
    res = sa.rank_acceptability(
        x,
        base,
        t,
        samples=2500,
        sampler=sampler,
        concentration=400.0,
        intervals=box,
        order=["c1", "c0", "c2"],
        rng=5,
        keep_samples=True,
        normalization="max",
    )
    ws = res.weight_samples
    assert ws.shape == (2500, 3) and res.samples == 2500 and res.sampler == sampler
    assert res.seed == 5
    np.testing.assert_allclose(ws.sum(axis=1), 1.0, atol=1e-12)
    assert len({tuple(w) for w in ws}) == 2500  # every block draws fresh vectors
    if sampler == "dirichlet":
        np.testing.assert_allclose(ws.mean(axis=0), base, atol=0.01)
        assert ws.std(axis=0).max() < 0.05
    elif sampler == "intervals":
        lo, hi = np.array(box).T
        assert ((ws >= lo - 1e-12) & (ws <= hi + 1e-12)).all()
    elif sampler == "ordinal":
        assert (ws[:, 1] >= ws[:, 0]).all() and (ws[:, 0] >= ws[:, 2]).all()
    else:
        np.testing.assert_allclose(ws.mean(axis=0), 1 / 3, atol=0.02)
    acc, central, conf = _smaa_by_hand(x, t, ws, plain_topsis, norm="max")
    np.testing.assert_allclose(res.acceptability, acc, atol=1e-12)
    np.testing.assert_allclose(res.central_weights, central, atol=1e-12)
    np.testing.assert_allclose(res.confidence, conf, atol=1e-12)


def test_given_weight_samples_over_several_blocks_match_a_hand_count(plain_topsis):
    """2,100 given weight vectors (three blocks) are all used, in order: counts, central
    weights and confidence equal a hand count; the kept samples are the given ones; a single
    given vector is one sample."""
    rng = np.random.default_rng(9)
    x = rng.uniform(1, 10, size=(4, 3))
    x[3] = x[1]  # an exact twin: ties split
    t = [1, 1, -1]
    ws = rng.dirichlet(np.ones(3), size=2100)
    res = sa.rank_acceptability(x, [1, 1, 1], t, weight_samples=ws, keep_samples=True)
    assert res.samples == 2100 and res.sampler == "given" and res.seed is None
    np.testing.assert_allclose(res.weight_samples, ws, rtol=1e-15, atol=1e-15)
    acc, central, conf = _smaa_by_hand(x, t, ws, plain_topsis)
    np.testing.assert_allclose(res.acceptability, acc, atol=1e-12)
    np.testing.assert_allclose(res.central_weights, central, atol=1e-12)
    np.testing.assert_allclose(res.confidence, conf, atol=1e-12)
    one = sa.rank_acceptability(x, [1, 1, 1], t, weight_samples=ws[7])
    assert one.samples == 1
    expected_one = _split_rank_counts(plain_topsis(x, ws[7], t)[None])
    np.testing.assert_allclose(one.acceptability, expected_one, atol=1e-12)


def test_blocks_are_seeded_by_seed_and_block_index_only():
    """Block 0 holds the same vectors whatever the total; a Generator gives ``seed=None``."""
    x = np.random.default_rng(0).uniform(1, 10, size=(4, 3))
    a = sa.rank_acceptability(x, [1, 1, 1], [1, 1, 1], samples=1500, rng=3, keep_samples=True)
    b = sa.rank_acceptability(x, [1, 1, 1], [1, 1, 1], samples=3000, rng=3, keep_samples=True)
    np.testing.assert_array_equal(a.weight_samples[:1024], b.weight_samples[:1024])
    g = sa.rank_acceptability(x, [1, 1, 1], [1, 1, 1], samples=10, rng=np.random.default_rng(1))
    assert g.seed is None and g.weight_samples is None


@pytest.mark.parametrize(
    ("noise", "kind"),
    [
        ({"c1": 0.6}, "absolute"),  # one criterion noised; the others default to 0
        ([0.0, 0.25, 0.0], "relative"),
    ],
)
def test_data_noise_matches_an_independent_monte_carlo(noise, kind, plain_topsis):
    """Under data noise with fixed weights, first-place acceptability equals an independent
    Monte Carlo (plain TOPSIS on ``x + σε`` or ``x·(1 + σε)``, σ per criterion, 6,000
    draws) within 5 standard errors; noise on a criterion whose values decide nothing
    would not move it, so the noised column is the decisive one."""
    x = np.array([[5.0, 2.0, 5.0], [5.0, 3.0, 5.0], [4.0, 2.5, 4.0]])
    t = [1, 1, 1]
    w = np.array([0.3, 0.4, 0.3])
    sigma = np.array([0.0, 0.6, 0.0]) if isinstance(noise, dict) else np.array(noise)
    res = sa.rank_acceptability(
        x, w, t, weight_samples=np.tile(w, (3000, 1)), noise=noise, noise_kind=kind, rng=4
    )
    draws = 6000
    eps = np.random.default_rng(11).standard_normal((draws, *x.shape))
    wins = np.zeros(3)
    for e in eps:
        xs = x + sigma * e if kind == "absolute" else x * (1 + sigma * e)
        wins[np.argmax(plain_topsis(xs, w, t))] += 1
    expected = wins / draws
    assert 0.15 < expected.max() < 0.85
    se = np.sqrt(expected * (1 - expected) / 3000 + expected * (1 - expected) / draws)
    assert (np.abs(res.acceptability[:, 0] - expected) <= 5 * se + 1e-9).all(), (
        res.acceptability[:, 0],
        expected,
    )


def test_zero_noise_equals_no_noise():
    """Noise of 0 on every criterion (mapping or number) leaves every output unchanged."""
    x = np.random.default_rng(2).uniform(1, 10, size=(5, 3))
    ws = np.random.default_rng(3).dirichlet(np.ones(3), size=200)
    plain = sa.rank_acceptability(x, [1, 1, 1], [1, -1, 1], weight_samples=ws)
    for noise in (0.0, {"c0": 0.0}):
        quiet = sa.rank_acceptability(x, [1, 1, 1], [1, -1, 1], weight_samples=ws, noise=noise)
        np.testing.assert_allclose(quiet.acceptability, plain.acceptability, atol=1e-12)
        np.testing.assert_allclose(quiet.central_weights, plain.central_weights, atol=1e-12)
        np.testing.assert_allclose(quiet.confidence, plain.confidence, atol=1e-12)


def test_result_tables_and_top_k_probability():
    """``to_frame`` (ranks 1..N, index "id", plus confidence), ``central_weights_frame``
    (criteria columns) and ``top_k_probability`` (row sums of the first k columns, named
    ``p_top{k}``, 1 ≤ k ≤ N) read the result's arrays; the repr names the most-often-first."""
    x = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0], [3.0, 1.0, 2.0], [2.0, 3.0, 1.0]])
    ws = np.random.default_rng(2).dirichlet(np.ones(3), size=40)
    res = sa.rank_acceptability(
        x, [1, 1, 1], [1, 1, 1], weight_samples=ws, labels=list("abcd"), criteria=list("xyz")
    )
    frame = res.to_frame()
    assert list(frame.columns) == [1, 2, 3, 4, "confidence"]
    assert frame.index.name == "id" and list(frame.index) == list("abcd")
    np.testing.assert_array_equal(frame[[1, 2, 3, 4]].to_numpy(), res.acceptability)
    np.testing.assert_array_equal(frame["confidence"].to_numpy(), res.confidence)
    cw = res.central_weights_frame()
    assert list(cw.columns) == list("xyz") and cw.index.name == "id"
    assert list(cw.index) == list("abcd")
    np.testing.assert_array_equal(cw.to_numpy(), res.central_weights)
    for k in (1, 2, 4):
        p = res.top_k_probability(k)
        assert p.name == f"p_top{k}" and list(p.index) == list("abcd")
        np.testing.assert_allclose(p.to_numpy(), res.acceptability[:, :k].sum(axis=1))
    assert res.top_k_probability(1)["b"] == 1.0
    assert (
        repr(res)
        == "RankAcceptabilityResult(40 samples (given), N=4; most often first: b (100.0%))"
    )
    for bad in (0, 5, True, 1.0):
        with pytest.raises(CitymatchValueError, match=r"`k` must be an integer in 1\.\.4; got"):
            res.top_k_probability(bad)


@pytest.mark.parametrize("chunk", [True, 1.5, -1])
def test_bad_chunk_is_refused(chunk):
    """`chunk` must be a positive integer (a bool is not)."""
    with pytest.raises(CitymatchValueError, match=r"`chunk` must be a positive integer; got"):
        sa.rank_acceptability(np.eye(3) + 1, [1, 1, 1], [1, 1, 1], samples=10, chunk=chunk)


@pytest.mark.parametrize("samples", [True, 2.0])
def test_non_integer_samples_are_refused(samples):
    """`samples` must be a positive integer (a bool or float is not)."""
    with pytest.raises(CitymatchValueError, match=r"`samples` must be a positive integer; got"):
        sa.rank_acceptability(np.eye(3) + 1, [1, 1, 1], [1, 1, 1], samples=samples)
