"""The compiled kernels session 12 left outside numba's bounds checking, run under it.

``docs/mutation/session12.md``: "vikor_q, _jitrank and _jit.py's statistics/distance kernels
are still not run under bounds checking".  One fresh process (numba's bounds checking on, a
fresh cache, so every kernel compiles with its checks) runs each of them through the paths
the library uses — the methods, :func:`._kernels.column_stats` / :func:`._kernels.distances`,
:mod:`.rowpass`, SMAA's rank acceptability — and through the :mod:`._jit` wrappers on row
ranges that start and end off a run boundary:

* ``stats_rows`` / ``extremes`` (C layout) and ``stats_cols`` (F layout), float64 and float32;
* ``dist_rows`` / ``dist_cols`` (TOPSIS's distances, with and without keeping them);
* ``vikor_q``; ``split_rows`` and ``copras_q`` (COPRAS's passes);
* ``top_rows``, ``topsis_top`` (float32 shortlist, group maxima, float64-only samples) and
  ``topsis_rows``.

Row counts leave short runs of W = 64 and V = 16 rows, a tail shorter than a run, a short
block of 8,192 rows (two threads), a short span/tile of 512 (column-major) and a flush of the
blocked column sums.  Every answer is checked against a plain numpy definition computed in
the script (so a wrong value fails too, not only an index outside an array), and the rows
outside a direct call's range must stay untouched.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers import run_bounds_checked

_BOUNDS_SCRIPT = textwrap.dedent(
    """
    import numpy as np

    import citymatch as cm
    from citymatch.scoring import _jit, _kernels, ranks, rowpass
    from citymatch.scoring.vikor import _TIE
    from citymatch.sensitivity import acceptability

    assert _jit.AVAILABLE
    used = set()
    kernel = _jit._kernel


    def spy(name):
        used.add(name)
        return kernel(name)


    _jit._kernel = spy  # the wrappers look it up at each call: records which kernels ran
    # every size gate opens: the methods take their compiled paths on these small inputs
    _kernels.JIT_MIN_CELLS = ranks.JIT_MIN_CELLS = acceptability.JIT_MIN_CELLS = 0


    def through(names, fn, *args, **kwargs):
        # fn(*args, **kwargs), asserting that it ran the compiled kernels `names`
        used.clear()
        out = fn(*args, **kwargs)
        assert set(names) <= used, (names, sorted(used))
        return out


    def close(a, b, rtol=1e-12):
        assert np.allclose(a, b, rtol=rtol, atol=0.0), np.abs(np.asarray(a) - b).max()


    rng = np.random.default_rng(1301)
    # C layout: two blocks of 8,192 rows (each 128 runs of 64: two flushes), then three runs
    # of 64 (not a multiple of the four runs extremes folds at once) and a tail of 7 (also
    # 12 runs of 16 and a short run of 7 = 4 + 3)
    N = 2 * 8192 + 3 * 64 + 7
    # F layout: 64 spans of 512 (a flush of stats_cols), one more span, a tail of 77 rows
    NF = 64 * 512 + 512 + 77
    T = np.array([1, -1, 1, 1, -1])
    W5 = np.array([0.3, 0.1, 0.25, 0.15, 0.2])
    XC = rng.uniform(0.5, 4.0, size=(N, 5))
    XF = np.asfortranarray(rng.uniform(0.5, 4.0, size=(NF, 5)))
    MATS = [XC, XC.astype(np.float32), XF, XF.astype(np.float32)]


    def ranges(n):
        # whole; off run boundaries at both ends; 7 runs and 5 rows; inside one run; a tail
        # only; an empty range
        return [(0, n), (5, n - 3), (3, 3 + 7 * 64 + 5), (70, 110), (n - 9, n), (n // 2, n // 2)]


    # --- statistics: stats_rows (C), stats_cols (F), extremes (C, no sum of squares) ---
    def stats_ref(y):
        y = y.astype(np.float64)
        if y.shape[0] == 0:
            return np.array([[-np.inf] * 5, [np.inf] * 5, [0.0] * 5, [0.0] * 5])
        return np.stack([y.max(axis=0), y.min(axis=0), (y * y).sum(axis=0), y.sum(axis=0)])


    for x in MATS:
        c = x.flags.c_contiguous
        full = stats_ref(x)
        for threads in (1, 2):
            st = through(
                ["stats_rows" if c else "stats_cols"], _kernels.column_stats,
                x, sumsq=True, total=True, threads=threads, jit=True,
            )
            assert np.array_equal(st.max, full[0]) and np.array_equal(st.min, full[1])
            close(st.sumsq, full[2])
            close(st.sum, full[3])
            st = through(
                ["extremes" if c else "stats_cols"], _kernels.column_stats,
                x, total=True, threads=threads, jit=True,
            )
            assert np.array_equal(st.max, full[0]) and np.array_equal(st.min, full[1])
            close(st.sum, full[3])
        for lo, hi in ranges(x.shape[0]):
            want = stats_ref(x[lo:hi])
            got = _jit.stats(x, lo, hi)
            assert np.array_equal(got[:2], want[:2]), (lo, hi)
            close(got[2:], want[2:])
            if c:
                got = _jit.extremes(x, lo, hi)
                assert np.array_equal(got[:2], want[:2]), (lo, hi)
                close(got[2], want[3])


    # --- TOPSIS distances: dist_rows (C), dist_cols (F), keeping the distances or not ---
    def topsis_ref(y, w, t):
        y = y.astype(np.float64)
        v = y / np.sqrt((y * y).sum(axis=0)) * (w / w.sum())
        ideal = np.where(t > 0, v.max(axis=0), v.min(axis=0))
        anti = np.where(t > 0, v.min(axis=0), v.max(axis=0))
        dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
        dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
        return dp, dm, dm / (dp + dm)


    for x in MATS:
        name = "dist_rows" if x.flags.c_contiguous else "dist_cols"
        dp, dm, sc = topsis_ref(x, W5, T)
        for threads in (1, 2):
            res = through([name], cm.topsis, x, W5, T, threads=threads)
            close(res.scores, sc, 1e-10)
            close(res.d_ideal, dp, 1e-10)
            close(res.d_anti_ideal, dm, 1e-10)
            res = through([name], cm.topsis, x, W5, T, threads=threads, distances=False)
            close(res.scores, sc, 1e-10)
        y = x.astype(np.float64)
        ideal = np.where(T > 0, y.max(axis=0), y.min(axis=0))
        anti = np.where(T > 0, y.min(axis=0), y.max(axis=0))
        coef = W5 / np.sqrt((y * y).sum(axis=0))
        u = (y - ideal) * coef
        rp = np.sqrt((u * u).sum(axis=1))
        rm = np.sqrt(((u - (anti - ideal) * coef) ** 2).sum(axis=1))
        got = through([name], _kernels.distances, x, ideal, anti, coef, threads=2, jit=True)
        close(got[0], rp)
        close(got[1], rm)
        close(got[2], rm / (rp + rm))
        for lo, hi in ranges(x.shape[0]):
            for keep in (True, False):
                bufs = np.full((3, x.shape[0]), np.nan)
                d_ideal, d_anti = (bufs[0], bufs[1]) if keep else (None, None)
                _jit.distances(x, lo, hi, ideal, coef, (anti - ideal) * coef, d_ideal, d_anti, bufs[2])
                close(bufs[2, lo:hi], (rm / (rp + rm))[lo:hi])
                if keep:
                    close(bufs[0, lo:hi], rp[lo:hi])
                    close(bufs[1, lo:hi], rm[lo:hi])
                assert np.isnan(bufs[:, np.r_[0:lo, hi : x.shape[0]]]).all(), (lo, hi)
                assert keep or np.isnan(bufs[:2]).all(), (lo, hi)  # no distances written


    # --- VIKOR's Q: vikor_q through cm.vikor and the wrapper ---
    def vikor_q_ref(s, r, v):
        def scaled(a):
            span = a.max() - a.min()
            return (a - a.min()) / span if span > _TIE else np.zeros_like(a)

        return v * scaled(s) + (1.0 - v) * scaled(r)


    w = W5 / W5.sum()
    best = np.where(T > 0, XC.max(axis=0), XC.min(axis=0))
    worst = np.where(T > 0, XC.min(axis=0), XC.max(axis=0))
    d = w * (best - XC) / (best - worst)
    s, r = d.sum(axis=1), d.max(axis=1)
    res = through(["vikor_q"], cm.vikor, XC, W5, T, v=0.3)
    close(res.s, s)
    close(res.r, r)
    close(res.scores, vikor_q_ref(s, r, 0.3), 1e-10)
    top = np.argsort(res.scores, kind="stable")[:2]
    assert res.compromise[0] == top[0] and res.acceptable_advantage == (
        res.scores[top[1]] - res.scores[top[0]] >= 1.0 / (N - 1)
    )
    assert res.acceptable_stability == (s[top[0]] == s.min() or r[top[0]] == r.min())
    for n in (1, 2, 63, 64, 65, 1000 + 7):
        for flat in (False, True):
            s, r = rng.uniform(0.0, 2.0, size=(2, n))
            if flat:
                s[:] = 0.75  # a span within the tie: the S term drops out
            q, known = _jit.vikor_q(s, r, 0.4, _TIE)
            want = vikor_q_ref(s, r, 0.4)
            close(q, want)
            two = np.sort(np.r_[want, np.inf])[:2]
            assert known[:2] == (s.min(), r.min()), (n, known)
            assert np.allclose(known[2:], two, rtol=1e-12, atol=0.0), (n, known, two)


    # --- COPRAS: split_rows and copras_q ---
    wn = W5 / W5.sum()
    dd = XC / XC.sum(axis=0) * wn
    sp, sm = dd[:, T > 0].sum(axis=1), dd[:, T < 0].sum(axis=1)
    q = sp + sm.sum() / (sm * (1.0 / sm).sum())
    res = through(["split_rows", "copras_q"], cm.copras, XC, W5, T)
    close(res.s_plus, sp)
    close(res.s_minus, sm)
    close(res.scores, q)
    close(res.utility, q / q.max())
    plus = T > 0
    for x in (XC, XC.astype(np.float32)):
        y = x.astype(np.float64)
        coef = wn / y.sum(axis=0)
        sp, sm = (y * coef)[:, plus].sum(axis=1), (y * coef)[:, ~plus].sum(axis=1)
        got = through(["split_rows"], rowpass.split_sums, x, coef, plus, threads=2, jit=True)
        close(got[0], sp)
        close(got[1], sm)
        close(got[2], (sm.sum(), (1.0 / sm).sum()))
        c = sm.sum() / (1.0 / sm).sum()
        q, u = through(["copras_q"], rowpass.recip_plus, sp, sm, c, threads=2)
        close(q, c / sm + sp)
        close(u, (c / sm + sp) / (c / sm + sp).max())
        for lo, hi, block in ((0, N, 1000), (2000, 4321, 1000), (0, 7, 1000), (8192, N, 8192)):
            sums = np.full((2, N), np.nan)
            part = np.full((-(-N // block), 2), np.nan)
            _jit.split_rows(x, lo, hi, coef, plus, block, (sums[0], sums[1]), part)
            close(sums[0, lo:hi], sp[lo:hi])
            close(sums[1, lo:hi], sm[lo:hi])
            assert np.isnan(sums[:, np.r_[0:lo, hi:N]]).all()
            for b in range(part.shape[0]):
                a, e = max(lo, b * block), min(hi, (b + 1) * block)
                if a < e:
                    close(part[b], (sm[a:e].sum(), (1.0 / sm[a:e]).sum()))
                else:
                    assert np.isnan(part[b]).all(), (lo, hi, b)
        for lo, hi in ranges(N):
            q = np.full(N, np.nan)
            top = _jit.copras_q(sp, sm, c, lo, hi, q)
            close(q[lo:hi], c / sm[lo:hi] + sp[lo:hi])
            assert np.isnan(q[np.r_[0:lo, hi:N]]).all()
            assert top == (q[lo:hi].max() if hi > lo else -np.inf), (lo, hi, top)


    # --- rank counting: top_rows (scores), topsis_top / topsis_rows (SMAA on TOPSIS) ---
    def heads(s, k1):
        order = np.argsort(-s, axis=1, kind="stable")[:, :k1]
        head = np.take_along_axis(s, order, axis=1)
        head = np.rint(head * ranks.TIE_SCALE) / ranks.TIE_SCALE
        return order, (head[:, 1:] == head[:, :-1]).any(axis=1)


    for n in (3, 255, 256 + 128 + 45):
        s = rng.uniform(size=(12, n))
        s[1] = np.round(s[1], 1)  # many equal scores: a tied head
        s[2, -1] = 2.0  # the best in the short last run
        for k1 in sorted({1, 2, min(n, 31), min(n, 32), min(n, 33), min(n, 64), n}):
            order, tied = heads(s, k1)
            got = _jit.top_rows(s, k1, ranks.TIE_SCALE)
            assert got is not None and np.array_equal(got[1], tied), (n, k1)
            assert np.array_equal(got[0][~tied], order[~tied]), (n, k1)
            if k1 < n:
                got = through(["top_rows"], ranks.top_order, s, k1)
                assert np.array_equal(got[1], tied) and np.array_equal(got[0][~tied], order[~tied])
            bad = s.copy()
            bad[5, n - 1] = np.nan  # in the last run: the row is refused
            assert _jit.top_rows(bad, k1, ranks.TIE_SCALE) is None


    def topsis_rows_ref(y, w, t):  # TOPSIS closeness (K, N) under each row of w
        v = (y / np.sqrt((y * y).sum(axis=0)))[None] * w[:, None, :]
        ideal = np.where(t > 0, v.max(axis=1), v.min(axis=1))[:, None]
        anti = np.where(t > 0, v.min(axis=1), v.max(axis=1))[:, None]
        dp = np.sqrt(((v - ideal) ** 2).sum(axis=2))
        dm = np.sqrt(((v - anti) ** 2).sum(axis=2))
        return dm / (dp + dm)


    t4 = np.array([1, -1, 1, 1])
    for n, k, kernels in (
        (40, None, ["topsis_rows"]),  # all ranks: the score rows are counted
        (255, 40, ["topsis_top"]),  # below 2 x 128 candidates: no group maxima
        (256 + 128 + 45, 5, ["topsis_top"]),  # group maxima, short last group and run
        (256 + 128 + 45, 62, ["topsis_top"]),  # k + 1 = 63: the largest fused selection
        (256 + 128 + 45, 63, ["topsis_rows"]),  # k + 1 = 64: score rows again
    ):
        y = rng.uniform(1.0, 10.0, size=(n, 4))
        ws = rng.dirichlet(np.ones(4), size=1100)  # two sample blocks (1,024 and 76)
        ws[7, 0] = 1e-20  # outside the float32 bound: scored in float64 only
        ws /= ws.sum(axis=1, keepdims=True)
        res = through(
            kernels, acceptability.rank_acceptability, y, np.ones(4), t4,
            weight_samples=ws, ranks=k, threads=2,
        )
        sc = topsis_rows_ref(y, ws, t4)
        order = np.argsort(-sc, axis=1, kind="stable")
        place = np.empty_like(order)
        np.put_along_axis(place, order, np.arange(n)[None], axis=1)
        kk = n if k is None else k
        want = (place[:, :, None] == np.arange(kk)).mean(axis=0)
        assert np.allclose(res.acceptability, want, rtol=0.0, atol=1e-12), (n, k)
        first = order[:, 0]
        central = np.full((n, 4), np.nan)
        conf = np.full(n, np.nan)
        for i in np.unique(first):
            central[i] = ws[first == i].mean(axis=0)
            conf[i] = float(np.argmax(topsis_rows_ref(y, central[i][None], t4)[0]) == i)
        assert np.allclose(res.central_weights, central, rtol=1e-12, atol=0.0, equal_nan=True)
        assert np.array_equal(res.confidence, conf, equal_nan=True), (n, k)

    assert used, "the spy saw no kernel"
    print("ok")
    """
)


def test_stats_distance_vikor_copras_and_rank_kernels_index_only_inside_their_arrays(
    tmp_path: Path,
) -> None:
    """Promise (memory safety): the column statistics (C and F layout, lean or with Σx²),
    TOPSIS's distance passes (C and F), VIKOR's Q, COPRAS's split sums and last pass, and
    SMAA's rank-counting kernels read and write only inside their arrays — run with numba's
    bounds checking on (an index outside raises ``IndexError``) in a fresh process and
    cache, float64 and float32, one and two threads, on row counts that leave short runs,
    tails, tiles and blocks; every answer equals its plain numpy definition and rows outside
    a call's range stay untouched."""
    pytest.importorskip("numba")
    run_bounds_checked(_BOUNDS_SCRIPT, tmp_path)
