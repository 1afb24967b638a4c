"""The scoring methods beside TOPSIS: independent computations, pymcdm, properties, errors.

Every expected value is computed here from the published definition (pairwise tables
written out, hand-solved cases) or by pymcdm 1.x with each convention difference named.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymcdm import methods as pm
from pymcdm import normalizations as pn

import citymatch as cm
from citymatch.errors import CitymatchValueError, ShapeError
from citymatch.scoring.registry import METHODS, method_spec, require_path
from strategies import problems

SETTINGS = settings(max_examples=40, deadline=None)


def _random(seed, n=12, m=4, lo=1.0, hi=10.0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, hi, size=(n, m))
    w = rng.uniform(0.1, 1.0, size=m)
    t = np.where(rng.random(m) < 0.4, -1, 1)
    t[0] = 1
    return x, w / w.sum(), t


# --- independent definitions (pairwise, as the papers write them) -------------------------


def _pref(kind, d, q, p, s):
    if kind == "usual":
        return (d > 0).astype(float)
    if kind == "u-shape":
        return (d > q).astype(float)
    if kind == "v-shape":
        return np.where(d > p, 1.0, np.where(d > 0, d / p, 0.0))
    if kind == "level":
        return np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))
    if kind == "linear":
        return np.where(d > p, 1.0, np.where(d > q, (d - q) / (p - q), 0.0))
    return np.where(d > 0, 1.0 - np.exp(-(d**2) / (2 * s**2)), 0.0)


def _promethee_pairwise(x, w, t, kind, q, p, s):
    n, m = x.shape
    pi = np.zeros((n, n))
    for j in range(m):
        col = x[:, j] if t[j] > 0 else -x[:, j]
        d = col[:, None] - col[None, :]
        pi += w[j] * _pref(kind, d, q[j], p[j], s[j])
    return pi.sum(axis=1) / (n - 1), pi.sum(axis=0) / (n - 1)


@pytest.mark.parametrize("kind", ["usual", "u-shape", "v-shape", "level", "linear", "gaussian"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_promethee_flows_equal_the_pairwise_table(kind, seed):
    """Sorted prefix-sum flows equal the N × N preference table summed by rows and columns."""
    x, w, t = _random(seed, n=40, m=3)
    x = np.round(x, 1)  # ties and exact threshold hits happen
    q, p, s = np.full(3, 0.5), np.full(3, 2.0), np.full(3, 1.5)
    plus, minus = _promethee_pairwise(x, w, t, kind, q, p, s)
    res = cm.promethee(x, w, t, preference=kind, q=q, p=p, s=s)
    np.testing.assert_allclose(res.phi_plus, plus, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.phi_minus, minus, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.scores, plus - minus, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("usual", "usual"),
        ("u-shape", "ushape"),
        ("v-shape", "vshape"),
        ("level", "level"),
        ("linear", "vshape_2"),
    ],
)
def test_promethee_matches_pymcdm(ours, theirs):
    """Net flows equal pymcdm's PROMETHEE_II (same function names up to spelling)."""
    x, w, t = _random(7, n=25, m=4)
    q, p = np.full(4, 0.7), np.full(4, 3.0)
    ref = pm.PROMETHEE_II(theirs, p=p, q=q)(x, w, t)
    got = cm.promethee(x, w, t, preference=ours, q=q, p=p).scores
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_promethee_i_relation_by_hand():
    """PROMETHEE I: P where both flows agree, I when equal, R when they conflict."""
    res = cm.promethee([[3, 3], [1, 1], [4, 0], [0, 4]], [0.5, 0.5], [1, 1])
    rel = res.outranking()
    # candidate 0 beats 1 on both criteria; 2 and 3 are mirror images: same flows.
    assert rel.iloc[0, 1] == "P" and rel.iloc[1, 0] == "P⁻"
    assert rel.iloc[2, 3] == "I" and rel.iloc[3, 2] == "I"
    plus, minus = res.phi_plus, res.phi_minus
    for a in range(4):
        for b in range(4):
            if a == b:
                continue
            ge, le = plus[a] >= plus[b], minus[a] <= minus[b]
            expect = (
                "I"
                if plus[a] == plus[b] and minus[a] == minus[b]
                else (
                    "P"
                    if ge and le
                    else "P⁻"
                    if plus[a] <= plus[b] and minus[a] >= minus[b]
                    else "R"
                )
            )
            assert rel.iloc[a, b] == expect


def test_vikor_matches_pymcdm_and_the_definition():
    """S, R, Q equal the step-by-step definition and pymcdm's Q (no constant column)."""
    x, w, t = _random(3, n=15, m=5)
    res = cm.vikor(x, w, t, v=0.3)
    best = np.where(t > 0, x.max(0), x.min(0))
    worst = np.where(t > 0, x.min(0), x.max(0))
    d = w * (best - x) / (best - worst)
    s, r = d.sum(1), d.max(1)
    q = 0.3 * (s - s.min()) / (s.max() - s.min()) + 0.7 * (r - r.min()) / (r.max() - r.min())
    np.testing.assert_allclose(res.s, s, atol=1e-12)
    np.testing.assert_allclose(res.r, r, atol=1e-12)
    np.testing.assert_allclose(res.scores, q, atol=1e-12)
    np.testing.assert_allclose(res.scores, pm.VIKOR(v=0.3)(x, w, t), atol=1e-12)


def test_vikor_compromise_conditions_hand_solved():
    """C1 and C2 as Opricovic & Tzeng state them, on cases solved by hand."""
    # Q = [0, 0.75, 1]; DQ = 0.5: advantage holds, 0 is best by S: one winner.
    one = cm.vikor([[3, 2], [1, 3], [2, 1]], [0.5, 0.5], [1, 1])
    assert one.compromise == (0,) and one.acceptable_advantage and one.acceptable_stability
    # Two mirror candidates and a dominated one: Q = [0, 0, 1] → C1 fails, set of the two.
    tie = cm.vikor([[3, 1], [1, 3], [0, 0]], [0.5, 0.5], [1, 1])
    assert tie.compromise == (0, 1) and not tie.acceptable_advantage
    # v = 0: Q is R alone.  Hand computed: d1 = [0, .5, .6, 1], d2 = [1, 0, .2, 1];
    # S = [.3, .35, .48, 1], R = [.3, .35, .42, .7], Q = (R − .3)/.4 = [0, .125, .3, 1];
    # DQ = 1/3: C1 fails and the set is every Q within DQ of the best.
    x = [[10, 0], [5, 5], [4, 4], [0, 0]]
    wide = cm.vikor(x, [0.7, 0.3], [1, 1], v=0.0)
    np.testing.assert_allclose(wide.s, [0.3, 0.35, 0.48, 1.0], atol=1e-12)
    np.testing.assert_allclose(wide.r, [0.3, 0.35, 0.42, 0.7], atol=1e-12)
    np.testing.assert_allclose(wide.scores, [0, 0.125, 0.3, 1], atol=1e-12)
    assert wide.compromise == (0, 1, 2)
    assert not wide.acceptable_advantage and wide.acceptable_stability


def test_vikor_only_stability_fails_gives_the_first_two():
    """C1 holds, C2 fails → {a(1), a(2)}: the best Q is best by neither S nor R.

    Hand-built (d = 1 − x, equal weights): a = (.26, .26, 0) has S = .1733, R = .0867;
    b = (0, 0, .5) has the least S (.1667); c = (.25, .25, .25) the least R (.0833);
    37 candidates at the worst point set S⁻ = 1, R⁻ = 1/3.  With v = 0.5:
    Q(a) = .0107, Q(c) = .05, Q(b) = .1667; DQ = 1/39 = .0256 ≤ Q(c) − Q(a).
    """
    x = np.array([[0.74, 0.74, 1.0], [1.0, 1.0, 0.5], [0.75, 0.75, 0.75]] + [[0.0] * 3] * 37)
    res = cm.vikor(x, [1, 1, 1], [1, 1, 1])
    np.testing.assert_allclose(res.scores[:3], [0.0107, 0.1667, 0.05], atol=5e-5)
    assert res.acceptable_advantage and not res.acceptable_stability
    assert res.compromise == (0, 2)


@pytest.mark.parametrize("norm", ["max", "sum", "minmax"])
def test_weighted_models_match_pymcdm(norm):
    """WSM, WPM and WASPAS equal pymcdm with the matching normalisation function."""
    x, w, t = _random(11, n=20, m=5)
    fn = {
        "max": pn.linear_normalization,
        "sum": pn.sum_normalization,
        "minmax": pn.minmax_normalization,
    }[norm]
    np.testing.assert_allclose(
        cm.wsm(x, w, t, normalization=norm).scores, pm.WSM(fn)(x, w, t), atol=1e-12
    )
    if norm != "minmax":
        np.testing.assert_allclose(
            cm.wpm(x, w, t, normalization=norm).scores, pm.WPM(fn)(x, w, t), rtol=1e-12
        )
        np.testing.assert_allclose(
            cm.waspas(x, w, t, lam=0.3, normalization=norm).scores,
            pm.WASPAS(fn, l=0.3)(x, w, t),
            rtol=1e-12,
        )


def test_spotis_matches_pymcdm_with_stated_bounds():
    """SPOTIS with given bounds equals pymcdm's; the ideal point is the best bound."""
    x, w, t = _random(5, n=10, m=4)
    bounds = np.column_stack([np.zeros(4), np.full(4, 12.0)])
    np.testing.assert_allclose(
        cm.spotis(x, w, t, bounds=bounds).scores, pm.SPOTIS(bounds)(x, w, t), atol=1e-12
    )


def test_mabac_matches_the_definition_and_pymcdm():
    """S = Σ_j (v_ij − g_j), v = w(n + 1), g the geometric mean of v; equal to pymcdm's MABAC."""
    x, w, t = _random(13, n=9, m=4)
    n = np.where(t > 0, x - x.min(0), x.max(0) - x) / (x.max(0) - x.min(0))
    v = w * (n + 1)
    g = np.prod(v, axis=0) ** (1 / len(x))
    np.testing.assert_allclose(cm.mabac(x, w, t).scores, (v - g).sum(1), atol=1e-12)
    np.testing.assert_allclose(cm.mabac(x, w, t).scores, pm.MABAC()(x, w, t), atol=1e-12)


def test_copras_follows_the_published_formula():
    """Q = S+ + ΣS− / (S−_i Σ 1/S−), computed here term by term (pymcdm 1.x cancels the sums)."""
    x, w, t = _random(9, n=8, m=5)
    t = np.array([1, -1, 1, -1, -1])
    share = w * x / x.sum(0)
    sp, sm = share[:, t > 0].sum(1), share[:, t < 0].sum(1)
    q = sp + sm.min() * sm.sum() / (sm * np.sum(sm.min() / sm))  # the authors' S−min form
    res = cm.copras(x, w, t)
    np.testing.assert_allclose(res.scores, q, rtol=1e-12)
    np.testing.assert_allclose(res.utility, q / q.max(), rtol=1e-12)


def test_copras_zero_cost_takes_the_limit():
    """A candidate with S− = 0 gets all of ΣS− (the formula's limit), the others 0."""
    res = cm.copras([[1, 0], [1, 2], [1, 2]], [0.5, 0.5], [1, -1])
    np.testing.assert_allclose(res.scores, [1 / 6 + 0.5, 1 / 6, 1 / 6], atol=1e-12)
    near = cm.copras([[1, 1e-9], [1, 2], [1, 2]], [0.5, 0.5], [1, -1])
    np.testing.assert_allclose(near.scores, res.scores, atol=1e-6)


# --- properties -------------------------------------------------------------------------

_CALLS = {
    "WSM": lambda x, w, t: cm.wsm(x, w, t, normalization="minmax"),
    "VIKOR": lambda x, w, t: cm.vikor(x, w, t),
    "PROMETHEE_II": lambda x, w, t: cm.promethee(x, w, t, preference="linear", q=0.5, p=2.0),
    "SPOTIS": lambda x, w, t: cm.spotis(x, w, t, bounds=[[-11, 11]] * x.shape[1]),
    "MABAC": lambda x, w, t: cm.mabac(x, w, t),
}


@SETTINGS
@given(problems(k=4), st.sampled_from(sorted(_CALLS)))
def test_batch_equals_single_calls(p, name):
    """A (K, M) batch gives row k equal to the call with weight vector k alone."""
    x, w, t = p
    batch = _CALLS[name](x, w, t)
    for k in range(w.shape[0]):
        np.testing.assert_allclose(batch.scores[k], _CALLS[name](x, w[k], t).scores, atol=1e-12)


@SETTINGS
@given(problems(), st.sampled_from(sorted(_CALLS)), st.randoms(use_true_random=False))
def test_permutation_equivariance(p, name, random):
    """Reordering candidates reorders every method's scores the same way."""
    x, w, t = p
    perm = list(range(len(x)))
    random.shuffle(perm)
    a, b = _CALLS[name](x, w, t), _CALLS[name](x[perm], w, t)
    np.testing.assert_allclose(b.scores, a.scores[perm], atol=1e-12)


@SETTINGS
@given(problems(), st.sampled_from(["usual", "v-shape", "level", "linear", "gaussian"]))
def test_promethee_net_flows_sum_to_zero(p, kind):
    """Σ_a φ(a) = 0 and 0 ≤ φ⁺, φ⁻ ≤ 1."""
    x, w, t = p
    res = cm.promethee(x, w, t, preference=kind, q=0.5, p=1.5, s=1.0)
    assert abs(res.scores.sum()) < 1e-9
    assert (res.phi_plus >= -1e-12).all() and (res.phi_plus <= 1 + 1e-12).all()


@SETTINGS
@given(problems(), st.sampled_from(sorted(_CALLS)), st.data())
def test_improving_a_candidate_never_hurts_it(p, name, data):
    """Monotonicity: a better value on one criterion never worsens the candidate's rank."""
    x, w, t = p
    i = data.draw(st.integers(0, len(x) - 1))
    j = data.draw(st.integers(0, x.shape[1] - 1))
    better = x.copy()
    better[i, j] += 1.0 if t[j] > 0 else -1.0
    better = np.clip(better, -11, 11)
    if name == "VIKOR":  # Q rescales by the range: only the rank among others is monotone
        assert _CALLS[name](better, w, t).ranks[i] <= _CALLS[name](x, w, t).ranks[i]
    else:
        a, b = _CALLS[name](x, w, t), _CALLS[name](better, w, t)
        assert b.preference[i] >= a.preference[i] - 1e-12


# --- results and errors -----------------------------------------------------------------


def test_results_are_immutable_and_ranked_in_their_orientation():
    """Arrays are read-only; VIKOR and SPOTIS rank lower scores first."""
    res = cm.vikor([[3, 2], [1, 3], [2, 1]], [0.5, 0.5], [1, 1])
    with pytest.raises(ValueError, match="read-only"):
        res.scores[0] = 1.0
    assert res.ranks.tolist() == [1, 2, 3]
    assert not res.higher_is_better
    frame = res.to_frame()
    assert list(frame.columns) == ["S", "R", "score", "rank"]
    assert "compromise [0]" in repr(res) and "<table" in res._repr_html_()


def test_registry_names_every_method_and_its_paths():
    """Names resolve case-insensitively; an unsupported path is a clear error."""
    assert set(METHODS) == {
        "TOPSIS",
        "VIKOR",
        "PROMETHEE_II",
        "WSM",
        "WPM",
        "WASPAS",
        "SPOTIS",
        "COPRAS",
        "MABAC",
    }
    assert method_spec("promethee").name == "PROMETHEE_II"
    assert require_path("topsis", "stream").name == "TOPSIS"
    with pytest.raises(CitymatchValueError, match="VIKOR does not run on the 'stream' path"):
        require_path("vikor", "stream")
    with pytest.raises(CitymatchValueError, match=r"`method` must be one of .*got 'electre'"):
        method_spec("electre")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: cm.vikor([[1, 2], [2, 1]], [1, 1], [1, 1], v=1.5),
            r"`v` must lie in \[0, 1\]; got 1.5",
        ),
        (
            lambda: cm.promethee([[1], [2]], [1], [1], preference="triangle"),
            "must be one of .*got 'triangle'",
        ),
        (
            lambda: cm.promethee([[1], [2]], [1], [1], preference="linear", q=2, p=1),
            "thresholds out of order",
        ),
        (lambda: cm.promethee([[1], [2]], [1], [1], preference="v-shape"), "needs `p`"),
        (lambda: cm.waspas([[1], [2]], [1], [1], lam=-0.1), r"`lam` must lie in \[0, 1\]"),
        (lambda: cm.wpm([[1], [2]], [1], [1], normalization="minmax"), "needs a ratio scale"),
        (lambda: cm.wsm([[1], [0]], [1], [-1]), "must be positive on a cost criterion"),
        (lambda: cm.spotis([[1], [5]], [1], [1], bounds=[[0, 4]]), "outside"),
        (lambda: cm.copras([[1, 0], [2, 0]], [1, 1], [1, -1]), "column 1 sums to 0"),
    ],
)
def test_bad_input_is_a_clear_error(call, match):
    """Each rule names the argument and the value received."""
    with pytest.raises(CitymatchValueError, match=match):
        call()


def test_promethee_refuses_what_it_cannot_hold(monkeypatch):
    """Beyond the memory bound the refusal says why and what to do."""
    import citymatch.scoring.promethee as mod

    monkeypatch.setattr(mod, "MAX_FLOW_CELLS", 10)
    with pytest.raises(ShapeError, match="over the limit of 10 cells"):
        cm.promethee(np.ones((6, 2)), [1, 1], [1, 1])


def _compromise_by_definition(s, r, q):
    """Opricovic & Tzeng's two conditions, written out (ties within 1e-12 are ties)."""
    order = sorted(range(len(q)), key=lambda i: (round(q[i], 12), i))
    dq = 1 / (len(q) - 1)
    a1, a2 = order[0], order[1]
    c1 = round(q[a2] - q[a1], 12) >= round(dq, 12)
    c2 = round(s[a1], 12) == round(min(s), 12) or round(r[a1], 12) == round(min(r), 12)
    if c1 and c2:
        return (a1,)
    if c1:
        return (a1, a2)
    return tuple(i for i in order if round(q[i] - q[a1], 12) < round(dq, 12))


@settings(max_examples=100, deadline=None)
@given(problems(min_n=3), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_vikor_compromise_follows_the_definition(p, v):
    """On any problem the compromise set is the one the two conditions define."""
    x, w, t = p
    res = cm.vikor(x, w, t, v=v)
    assert res.compromise == _compromise_by_definition(
        res.s.tolist(), res.r.tolist(), res.scores.tolist()
    )


@pytest.mark.parametrize(
    ("call", "x"),
    [
        (
            lambda x: cm.wsm(x, [0.5, 0.5], [1, 1], normalization="sum"),
            [[1e308, 1.0], [1e308, 2.0]],
        ),
        (lambda x: cm.copras(x, [0.5, 0.5], [1, -1]), [[1e308, 1.0], [1e308, 2.0]]),
        (lambda x: cm.vikor(x, [0.5, 0.5], [1, 1]), [[-1e308, 1.0], [1e308, 2.0]]),
        (lambda x: cm.mabac(x, [0.5, 0.5], [1, 1]), [[-1e308, 1.0], [1e308, 2.0]]),
    ],
)
def test_numbers_beyond_float64_are_refused_not_flattened(call, x):
    """A column whose sum or range overflows is refused with the limit, never scored as flat."""
    from citymatch.errors import NumericRangeError

    with pytest.raises(NumericRangeError, match=r"beyond float64's maximum 1.79769e\+308"):
        call(np.array(x))


def test_non_finite_scores_are_an_error_not_a_nan(monkeypatch):
    """Every method's result refuses non-finite scores (forced here through the kernel)."""
    from citymatch.errors import NumericRangeError
    from citymatch.scoring import weighted

    monkeypatch.setattr(weighted, "weighted_sum", lambda x, form, w: np.array([np.nan, 1.0]))
    with pytest.raises(NumericRangeError, match="WSM scores came out non-finite in 1 place"):
        cm.wsm([[1.0, 2.0], [2.0, 1.0]], [0.5, 0.5], [1, 1])
