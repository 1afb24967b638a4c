"""Uncertain AHP judgements: weight samples from perturbed judgements, and repair advice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._display import html_table
from .._validate import check_int, judgement_value
from ..errors import CitymatchValueError
from ..models.criteria import CriteriaSet
from ..sampling import seed_sequence
from ..scoring.ahp import ahp, ahp_batch
from ._problem import F64

__all__ = [
    "SAATY_SCALE",
    "AHPRepairResult",
    "ahp_repair",
    "ahp_weight_samples",
    "eval_fraction",
]

#: Saaty's fundamental scale 1/9 … 9 as floats.
SAATY_SCALE = np.array(
    [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
)
SAATY_SCALE.setflags(write=False)

#: Sampling stops once this many draws per requested sample have been made.
_MAX_DRAWS_PER_SAMPLE = 50


def eval_fraction(v: float | str) -> float:
    """A judgement (number or fraction string such as "1/3") as a float."""
    return judgement_value(v)


def _as_float_matrix(m: ArrayLike) -> F64:
    if isinstance(m, np.ndarray):
        return np.array(m, dtype=np.float64)
    rows = cast(Sequence[Sequence[float | str]], m)
    return np.array([[eval_fraction(v) for v in row] for row in rows], dtype=np.float64)


# --------------------------------------------------------------------------- weight samples
def _perturb_stack(a: F64, size: int, how: str, spread: float, gen: np.random.Generator) -> F64:
    n = a.shape[-1]
    iu = np.triu_indices(n, 1)
    up = np.broadcast_to(a[iu], (size, iu[0].size)).copy()
    if how == "multiplicative":
        up *= np.exp(spread * gen.standard_normal(up.shape))
    else:  # saaty: move each judgement by up to `spread` steps along the 1/9 … 9 scale
        pos = np.abs(np.log(SAATY_SCALE)[None, None, :] - np.log(up)[..., None]).argmin(axis=-1)
        steps = gen.integers(-int(spread), int(spread) + 1, size=up.shape)
        up = SAATY_SCALE[np.clip(pos + steps, 0, SAATY_SCALE.size - 1)]
    out = np.ones((size, n, n))
    out[:, iu[0], iu[1]] = up
    out[:, iu[1], iu[0]] = 1.0 / up
    return out


def _synthesise(
    nodes: list[tuple[str, list[str]]], local: dict[str, F64], ids: list[str], size: int
) -> F64:
    """Global weights (size, M) from every node's local weights (size, children)."""
    node_ids = {nid for nid, _ in nodes}
    parents = {c: nid for nid, children in nodes for c in children}
    root = next(nid for nid, _ in nodes if nid not in parents)
    children_of = dict(nodes)
    out = np.zeros((size, len(ids)))

    def walk(nid: str, mass: F64) -> None:
        for pos, child in enumerate(children_of[nid]):
            w = mass * local[nid][:, pos]
            if child in node_ids:
                walk(child, w)
            else:
                out[:, ids.index(child)] += w

    walk(root, np.ones(size))
    return out


@dataclass(frozen=True)
class _Hierarchy:
    """The judgement matrices to perturb: nodes (id, children), matrices, leaf ids, RI table."""

    nodes: list[tuple[str, list[str]]]
    mats: dict[str, F64]
    ids: list[str]
    ri: str


def _hierarchy(judgements: ArrayLike | CriteriaSet) -> _Hierarchy:
    if isinstance(judgements, CriteriaSet):
        if judgements.ahp is None:
            raise CitymatchValueError(
                f"criteria set {judgements.name!r} has direct weights, no AHP judgements to perturb."
            )
        spec = judgements.ahp
        return _Hierarchy(
            [(node.id, list(node.children)) for node in spec.nodes],
            {node.id: _as_float_matrix(node.matrix) for node in spec.nodes},
            list(judgements.ids),
            spec.ri,
        )
    res = ahp(judgements)  # validates the matrix
    leaves = [f"c{j}" for j in range(res.n)]
    return _Hierarchy(
        [("goal", leaves)], {"goal": _as_float_matrix(judgements)}, leaves, "saaty1980"
    )


def _draw_samples(
    h: _Hierarchy, size: int, how: str, spread: float, gen: np.random.Generator
) -> tuple[F64, F64]:
    """``size`` global weight vectors and the largest node CR of each."""
    local: dict[str, F64] = {}
    worst = np.zeros(size)
    for node_id, _children in h.nodes:
        r = ahp_batch(_perturb_stack(h.mats[node_id], size, how, spread, gen), ri=h.ri, rtol=1e-9)
        local[node_id] = r.weights
        worst = np.maximum(worst, r.cr)
    return _synthesise(h.nodes, local, h.ids, size), worst


def ahp_weight_samples(
    judgements: ArrayLike | CriteriaSet,
    *,
    samples: int = 1000,
    perturbation: Literal["saaty", "multiplicative"] = "saaty",
    spread: float = 1.0,
    max_cr: float | None = None,
    rng: np.random.Generator | int | None = None,
) -> tuple[F64, F64]:
    """Weight vectors from perturbed AHP judgements (to feed :func:`rank_acceptability`).

    Parameters
    ----------
    judgements : array_like (n, n) or CriteriaSet
        A pairwise matrix, or a criteria set whose weights come from AHP nodes (every node is
        perturbed independently and the global weights re-synthesised).
    perturbation : {"saaty", "multiplicative"}
        ``"saaty"``: each judgement moves by up to ``spread`` steps along Saaty's 1/9 … 9
        scale (uniformly); ``"multiplicative"``: ``a·exp(spread·ε)``, ε standard normal.
    max_cr : float, optional
        Keep only samples whose matrices (every node) have CR ≤ max_cr; sampling continues
        until ``samples`` are kept (refused if fewer than 1 in 50 draws qualify).
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    (weights (K, M), cr (K,))
        The weight samples (criterion order) and the largest node CR of each sample.
    """
    h = _hierarchy(judgements)
    if perturbation not in ("saaty", "multiplicative"):
        raise CitymatchValueError(
            f"`perturbation` must be 'saaty' or 'multiplicative'; got {perturbation!r}."
        )
    if not (isinstance(spread, (int, float)) and spread >= 0 and np.isfinite(spread)):
        raise CitymatchValueError(f"`spread` must be a finite number ≥ 0; got {spread!r}.")
    samples = check_int(samples, name="samples")
    if max_cr is not None and not (
        isinstance(max_cr, (int, float)) and np.isfinite(max_cr) and max_cr >= 0
    ):
        raise CitymatchValueError(f"`max_cr` must be a finite number ≥ 0; got {max_cr!r}.")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(seed_sequence(rng))
    kept_w: list[F64] = []
    kept_cr: list[F64] = []
    total, drawn = 0, 0
    while total < samples:
        size = max(int(samples) - total, 256)
        glob, worst = _draw_samples(h, size, perturbation, spread, gen)
        ok = np.ones(size, bool) if max_cr is None else worst <= max_cr
        kept_w.append(glob[ok])
        kept_cr.append(worst[ok])
        total += int(ok.sum())
        drawn += size
        if drawn >= _MAX_DRAWS_PER_SAMPLE * samples and total < samples:
            raise CitymatchValueError(
                f"only {total} of {drawn} perturbed judgement sets have CR ≤ {max_cr}; "
                "lower `spread` or raise `max_cr`."
            )
    return np.concatenate(kept_w)[:samples], np.concatenate(kept_cr)[:samples]


# --------------------------------------------------------------------------- repair
@dataclass(frozen=True, repr=False, eq=False)
class AHPRepairResult:
    """Which judgements make an AHP matrix inconsistent, and what fixing them does.

    Attributes
    ----------
    judgements : DataFrame
        One row per judgement (i < j), worst first: ``a_ij`` (given), ``consistent_value``
        (``w_i / w_j`` from the current priorities), ``nearest_saaty`` (that value on Saaty's
        1/9 … 9 scale), ``error`` (``|ln(a_ij w_j / w_i)|``), and ``cr_if_revised`` (the CR
        after replacing only this judgement — and its reciprocal — by ``nearest_saaty``).
    steps : DataFrame
        A greedy repair: among the three worst judgements, apply the revision (nearest Saaty
        value or exact consistent value) that lowers the CR most; repeat until CR ≤ threshold
        or no revision helps: ``i``, ``j``, ``from``, ``to``, ``cr_after``.
    cr : float
        CR of the given matrix.
    repaired : ndarray (n, n)
        The matrix after the greedy steps (read-only).
    """

    judgements: pd.DataFrame
    steps: pd.DataFrame
    cr: float
    repaired: F64

    def to_frame(self) -> pd.DataFrame:
        """The judgement table (a copy)."""
        return self.judgements.copy()

    def __repr__(self) -> str:
        worst = self.judgements.iloc[0]
        end = float(self.steps["cr_after"].iloc[-1]) if len(self.steps) else self.cr
        return (
            f"AHPRepairResult(CR {self.cr:.4f}; worst judgement a[{worst.i},{worst.j}] = "
            f"{worst.a_ij:.4g} (consistent value {worst.consistent_value:.4g}); "
            f"{len(self.steps)} revision(s) → CR {end:.4f})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.judgements, repr(self))


def _nearest_saaty(v: float) -> float:
    return float(SAATY_SCALE[np.argmin(np.abs(np.log(SAATY_SCALE) - np.log(v)))])


def _revised(mat: F64, i: int, j: int, value: float) -> F64:
    out = mat.copy()
    out[i, j], out[j, i] = value, 1.0 / value
    return out


def _judgement_table(mat: F64, ri: str | Mapping[int, float], names: list[str]) -> pd.DataFrame:
    """Every judgement i < j, worst first, with the consistent value and single-revision CR."""
    w = ahp(mat, ri=ri).weights
    n = mat.shape[0]
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            cv = float(w[i] / w[j])
            rows.append(
                {
                    "i": names[i],
                    "j": names[j],
                    "a_ij": mat[i, j],
                    "consistent_value": cv,
                    "nearest_saaty": _nearest_saaty(cv),
                    "error": abs(np.log(mat[i, j] * w[j] / w[i])),
                    "cr_if_revised": float(ahp(_revised(mat, i, j, _nearest_saaty(cv)), ri=ri).cr),
                    "_ij": (i, j),
                }
            )
    df = pd.DataFrame(rows).sort_values("error", ascending=False, kind="stable")
    return df.reset_index(drop=True)


def _best_revision(
    mat: F64, ri: str | Mapping[int, float], names: list[str]
) -> tuple[float, int, int, float] | None:
    """Among the three worst judgements and two values each, the revision with the lowest CR."""
    best: tuple[float, int, int, float] | None = None
    for _, row in _judgement_table(mat, ri, names).head(3).iterrows():
        i, j = row["_ij"]
        for value in (row["nearest_saaty"], row["consistent_value"]):
            if value == mat[i, j]:
                continue
            c = float(ahp(_revised(mat, i, j, value), ri=ri).cr)
            if best is None or c < best[0] - 1e-12:
                best = (c, i, j, float(value))
    return best


def ahp_repair(
    pairwise: ArrayLike,
    *,
    ri: str | Mapping[int, float] = "saaty1980",
    threshold: float = 0.10,
    labels: Sequence[str] | None = None,
) -> AHPRepairResult:
    """Find the judgements that contribute most to an AHP matrix's inconsistency.

    For each judgement ``a_ij`` the consistent value is ``w_i / w_j`` from the matrix's own
    priority vector; the error ``|ln(a_ij w_j / w_i)|`` ranks the judgements (the measure
    behind Saaty's and Harker's revision advice).  The table also gives the CR after revising
    each judgement alone, and a greedy sequence of revisions that reaches CR ≤ threshold.

    References
    ----------
    .. [1] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal
       eigenvector necessary. EJOR 145(1), 85–91. https://doi.org/10.1016/S0377-2217(02)00227-8
    """
    base = ahp(pairwise, ri=ri, threshold=threshold, labels=labels)
    a = _as_float_matrix(pairwise)
    n = base.n
    names = list(labels) if labels is not None else [str(i) for i in range(n)]
    steps = []
    cur = a.copy()
    cr = float(base.cr)
    for _ in range(n * (n - 1)):
        if cr <= threshold:
            break
        best = _best_revision(cur, ri, names)
        if best is None or best[0] >= cr - 1e-12:
            break  # no single revision lowers the CR further
        c, i, j, value = best
        steps.append({"i": names[i], "j": names[j], "from": cur[i, j], "to": value, "cr_after": c})
        cur = _revised(cur, i, j, value)
        cr = c
    cur.setflags(write=False)
    return AHPRepairResult(
        _judgement_table(a, ri, names).drop(columns="_ij"),
        pd.DataFrame(steps, columns=["i", "j", "from", "to", "cr_after"]),
        float(base.cr),
        cur,
    )
