"""Sensitivity analysis: exact tipping points, SMAA-2 sampling and acceptability, what-it-takes,
AHP uncertainty and repair, method agreement, rank reversal, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import citymatch
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchTypeError, CitymatchValueError, ShapeError


@pytest.fixture(scope="module")
def ranking():
    return citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")


# ------------------------------------------------------------------ stability: closed form
def test_two_by_two_tipping_weight_matches_hand_solution():
    """A = (4, 1), B = (1, 2), both benefit, vector normalisation: D⁺_A = w₂/√5, D⁻_A = 3w₁/√17,
    and B mirrors A, so they tie at w₁* = (1/√5) / (3/√17 + 1/√5). The interval ends match w₁*
    to 1e-9, and the winner flips just outside but not just inside."""
    x = np.array([[4.0, 1.0], [1.0, 2.0]])
    w1_star = (1 / np.sqrt(5)) / (3 / np.sqrt(17) + 1 / np.sqrt(5))
    res = sa.stability_intervals(x, [0.6, 0.4], [1, 1], k=1)
    assert res.winner == "0"
    row0, row1 = res.table.iloc[0], res.table.iloc[1]
    assert row0["top_low"] == pytest.approx(w1_star, abs=1e-9) and row0["top_high"] == 1.0
    assert row1["top_low"] == 0.0 and row1["top_high"] == pytest.approx(1 - w1_star, abs=1e-9)
    assert row0["top_low_by"] == "1"
    for eps, same in ((1e-7, True), (-1e-7, False)):
        w1 = w1_star + eps
        winner = int(np.argmax(citymatch.topsis(x, [w1, 1 - w1], [1, 1]).scores))
        assert (winner == 0) is same
    assert res.flip["criterion"] == "c0" and res.flip["new_weight"] == pytest.approx(
        w1_star, abs=1e-9
    )
    assert res.flip["challenger"] == "1"


@pytest.mark.parametrize("seed", range(6))
def test_intervals_agree_with_brute_force(seed):
    """On random problems: the winner is unchanged at every grid point inside each reported
    interval, and changes just beyond every interval end that is not 0 or 1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, size=(6, 4))
    w = rng.dirichlet(np.ones(4))
    t = [1, -1, 1, 1]
    res = sa.stability_intervals(
        x, w, t, k=2, normalization=["vector", "minmax", "max", "sum"][seed % 4]
    )
    norm = ["vector", "minmax", "max", "sum"][seed % 4]
    win = int(res.winner)
    for j, row in res.table.iterrows():
        r, d = sa._path(w, j)

        def winner(v, r=r, d=d):
            return int(
                np.argmax(
                    np.round(citymatch.topsis(x, r + v * d, t, normalization=norm).scores, 12)
                )
            )

        for v in np.linspace(row["top_low"], row["top_high"], 41)[1:-1]:
            assert winner(v) == win
        if row["top_low"] > 0:
            assert winner(row["top_low"] - 1e-7) != win
        if row["top_high"] < 1:
            assert winner(row["top_high"] + 1e-7) != win
        for lo, hi in ((row["topk_low"], row["topk_high"]), (row["order_low"], row["order_high"])):
            assert lo <= row["weight"] <= hi


def test_full_order_interval_is_tightest(ranking):
    """The full order changes no later than the top-k set, which changes no later than the winner."""
    t = sa.stability_intervals(ranking, k=3).table
    assert (t["order_low"] >= t["topk_low"] - 1e-15).all() and (
        t["order_high"] <= t["topk_high"] + 1e-15
    ).all()
    assert (t["order_low"] >= t["top_low"] - 1e-15).all() and (
        t["order_high"] <= t["top_high"] + 1e-15
    ).all()


def test_near_ties_are_flagged():
    """Two candidates with equal scores at the base weights are reported as a near-tie."""
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.2]])
    res = sa.stability_intervals(x, [0.5, 0.5], [1, 1], k=1)
    assert {(r.a, r.b) for r in res.near_ties.itertuples()} >= {("0", "1")}


# ------------------------------------------------------------------ sweep
def test_weight_sweep_matches_topsis(ranking):
    """Each sweep point equals a direct TOPSIS call with the proportionally rescaled weights."""
    sw = sa.weight_sweep(ranking, "market_size", points=11)
    assert sw.scores.shape == (11, len(ranking.table))
    np.testing.assert_allclose(sw.weight_vectors.sum(axis=1), 1.0)
    j = list(ranking.criteria.ids).index("market_size")
    w = ranking.weights.to_numpy()
    others = sw.weight_vectors[:-1][:, [i for i in range(w.size) if i != j]]  # last point: all on j
    np.testing.assert_allclose(
        others / others.sum(axis=1, keepdims=True),
        np.tile(np.delete(w, j) / np.delete(w, j).sum(), (others.shape[0], 1)),
        atol=1e-12,
    )
    k = 4
    direct = citymatch.topsis(
        ranking.matrix.to_numpy(), sw.weight_vectors[k], ranking.criteria.types
    )
    np.testing.assert_allclose(sw.scores[k], direct.scores, atol=1e-14)
    assert sw.to_frame().shape == (11 * len(ranking.table), 4)


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


# ------------------------------------------------------------------ rank acceptability
def test_acceptability_rows_and_columns_sum_to_one(ranking):
    """Rows and columns of the acceptability matrix each sum to 1; top-k probabilities match."""
    res = sa.rank_acceptability(ranking, samples=3000, rng=3)
    np.testing.assert_allclose(res.acceptability.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(res.acceptability.sum(axis=1), 1.0, atol=1e-12)
    p3 = res.top_k_probability(3)
    np.testing.assert_allclose(p3.sum(), 3.0)
    assert res.to_frame().shape == (len(ranking.table), len(ranking.table) + 1)


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
    given = sa.rank_acceptability(ranking, weight_samples=w)
    assert given.samples == 10 and given.sampler == "given"
    winner = ranking.table["id"].iloc[0]
    assert given.acceptability[given.ids.index(winner), 0] == 1.0


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


def test_raw_arrays_need_weights_and_types():
    """A raw matrix without weights/types is refused."""
    with pytest.raises(
        CitymatchTypeError, match=r"pass a Ranking, or `matrix` with `weights` and `types`"
    ):
        sa.stability_intervals(np.ones((3, 2)))


def test_progress_bar_runs(ranking):
    """progress=True shows a tqdm bar and gives the same result."""
    a = sa.rank_acceptability(ranking, samples=2000, rng=5, progress=True)
    b = sa.rank_acceptability(ranking, samples=2000, rng=5)
    np.testing.assert_array_equal(a.acceptability, b.acceptability)


# ------------------------------------------------------------------ what would it take
def test_what_it_takes_counterfactual(ranking):
    """Applying the reported change (plus a small epsilon) puts the candidate in the top k;
    slightly less does not."""
    cand = ranking.table["id"].iloc[10]
    table = sa.what_it_takes(ranking, cand, k=3)
    reach = table[table["reachable"]]
    assert len(reach) >= 1
    x0 = ranking.matrix.to_numpy()
    i = list(ranking.matrix.index).index(cand)
    t = ranking.criteria.types
    for row in reach.itertuples():
        j = list(ranking.criteria.ids).index(row.criterion)
        step = 1e-6 * max(1.0, abs(row.needed)) * (1 if t[j] > 0 else -1)
        for value, inside in ((row.needed + step, True), (row.needed - step, False)):
            x = x0.copy()
            x[i, j] = value
            r = citymatch.topsis(x, ranking.weights.to_numpy(), t).ranks[i]
            assert bool(r <= 3) == inside, (row.criterion, value, r)
        assert f"{cand} enters the top 3 if {row.criterion}" in row.explanation


def test_what_it_takes_not_reachable_and_already_in():
    """A criterion with no weight cannot help; a top-k candidate needs no change."""
    x = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 3.0], [4.0, 1.0]])
    table = sa.what_it_takes(x, "3", [0.0, 1.0], [1, 1], k=1).set_index("criterion")
    assert not table.loc["c0", "reachable"]
    assert "cannot enter the top 1 by changing c0 alone" in table.loc["c0", "explanation"]
    first = sa.what_it_takes(x, "0", [0.1, 0.9], [1, 1], k=2)
    assert (first["change"] == 0).all()


def test_missing_rank_bounds():
    """Candidates with missing values get their best and worst possible rank, best ≤ worst."""
    b = sa.missing_rank_bounds(citymatch.datasets.load_cities(), "friendship-city")
    assert set(b["id"]) == {"panama-city", "london", "dubai", "jeddah"}
    assert (b["best_rank"] <= b["worst_rank"]).all()
    assert (b["missing"].map(tuple) == ("toronto_ethnic_origin_2021",)).all()


# ------------------------------------------------------------------ AHP uncertainty and repair
def test_ahp_weight_samples_from_criteria_set(ranking):
    """Perturbed judgements of every node give weight samples around the set's weights; the
    CR filter holds; the samples feed rank_acceptability."""
    w, cr = sa.ahp_weight_samples(ranking.criteria, samples=400, rng=2, max_cr=0.1)
    assert w.shape == (400, 7) and (cr <= 0.1).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.abs(w.mean(axis=0) - ranking.weights.to_numpy()).max() < 0.05
    res = sa.rank_acceptability(ranking, weight_samples=w)
    assert res.samples == 400


def test_ahp_weight_samples_from_matrix():
    """A flat matrix under multiplicative noise: spread 0 reproduces the weights exactly."""
    m = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
    w, _ = sa.ahp_weight_samples(m, samples=5, perturbation="multiplicative", spread=0.0, rng=0)
    np.testing.assert_allclose(w, np.tile(citymatch.ahp(m).weights, (5, 1)), atol=1e-12)
    with pytest.raises(
        CitymatchValueError, match=r"`perturbation` must be 'saaty' or 'multiplicative'; got 'x'"
    ):
        sa.ahp_weight_samples(m, perturbation="x")
    with pytest.raises(CitymatchValueError, match=r"has direct weights, no AHP judgements"):
        sa.ahp_weight_samples(citymatch.load_criteria("friendship-city"))


def test_ahp_repair_finds_the_planted_error():
    """A consistent matrix with one judgement replaced: that judgement is ranked worst, its
    consistent value is close to the original, and revising it brings CR under 0.10."""
    w = np.array([0.4, 0.3, 0.2, 0.1])
    a = w[:, None] / w[None, :]
    a[0, 3], a[3, 0] = 1 / 4, 4  # planted: should be 4
    res = sa.ahp_repair(a)
    worst = res.judgements.iloc[0]
    assert (worst["i"], worst["j"]) == ("0", "3")
    assert res.cr > 0.1
    assert res.steps["cr_after"].iloc[-1] <= 0.1
    assert worst["cr_if_revised"] < res.cr
    assert citymatch.ahp(res.repaired).cr <= 0.1


# ------------------------------------------------------------------ other methods, reversal
def test_method_agreement(ranking):
    """TOPSIS through pymcdm equals citymatch's ranks; correlations are 1 on the diagonal."""
    res = sa.method_agreement(ranking)
    ranks, rw, ws = res.ranks, res.weighted_spearman, res.ws_similarity
    assert "weighted Spearman" in repr(res) and "<table" in res._repr_html_()
    ours = ranking.table.set_index("id")["rank"]
    np.testing.assert_array_equal(ranks["TOPSIS"].to_numpy(), ours.loc[ranks.index].to_numpy())
    np.testing.assert_allclose(np.diag(rw.to_numpy(float)), 1.0)
    np.testing.assert_allclose(np.diag(ws.to_numpy(float)), 1.0)
    assert ((rw.to_numpy(float) <= 1 + 1e-12) & (rw.to_numpy(float) >= -1 - 1e-12)).all()
    with pytest.raises(CitymatchValueError, match=r"`methods` must be among"):
        sa.method_agreement(ranking, methods=["TOPSIS", "ELECTRE"])


def test_rank_reversal_detects_a_known_swap():
    """Removing a candidate that sets the ideal point can swap two others: the swap is reported."""
    x = np.array([[10.0, 1.0], [6.0, 5.0], [5.0, 6.0], [1.0, 7.0]])
    w, t = [0.5, 0.5], [1, 1]
    rows = sa.rank_reversal(x, w, t)
    base = citymatch.topsis(x, w, t).scores
    for change, group in rows.groupby("change"):
        removed = int(change.split()[1])
        keep = [i for i in range(4) if i != removed]
        after = citymatch.topsis(x[keep], w, t).scores
        for r in group.itertuples():
            a, b = int(r.a), int(r.b)
            assert base[a] > base[b] and after[keep.index(a)] < after[keep.index(b)]
    added = sa.rank_reversal(x, w, t, remove=[], add={"new": [11.0, 0.5]})
    assert set(added["change"]) <= {"add new"}
    with pytest.raises(ShapeError, match=r"`add\['bad'\]` must be 2 finite values"):
        sa.rank_reversal(x, w, t, remove=[], add={"bad": [1.0]})


# ------------------------------------------------------------------ plots, reprs
def test_plots_and_reprs(ranking, tmp_path):
    """The three plots draw; results have compact reprs and HTML reprs."""
    import matplotlib

    matplotlib.use("Agg")
    from citymatch.plot import save

    acc = sa.rank_acceptability(ranking, samples=500, rng=0)
    stab = sa.stability_intervals(ranking)
    sw = sa.weight_sweep(ranking, "trade_ties", points=21)
    for obj in (acc, stab, sw):
        ax = obj.plot()
        assert ax.figure is not None
        assert type(obj).__name__ in repr(obj)
        assert "<table" in obj._repr_html_()
    save(acc.plot(), str(tmp_path / "heat.svg"))
    assert (tmp_path / "heat.svg").read_text().startswith("<?xml")
    with pytest.raises(citymatch.CitymatchError, match=r"must end in .png, .svg or .pdf"):
        save(acc.plot(), str(tmp_path / "heat.gif"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heat.svg"]
    import matplotlib.pyplot as plt

    plt.close("all")
