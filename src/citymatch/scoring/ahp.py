"""Analytic Hierarchy Process: priorities and consistency, batched over matrix stacks."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._validate import as_pairwise, check_finite_result, real_array
from ..errors import (
    CitymatchTypeError,
    CitymatchValueError,
    PairwiseMatrixError,
    RandomIndexError,
    ShapeError,
    WeightsError,
)
from .results import AHPBatchResult, AHPResult, GroupAHPResult

__all__ = [
    "RI_TABLES",
    "HierarchyResult",
    "ahp",
    "ahp_batch",
    "ahp_group",
    "ahp_hierarchy",
    "random_index",
]

F64 = NDArray[np.float64]
Method = Literal["eigenvector", "geometric_mean"]

#: Aliases accepted for ``ri``.
_ALIASES = {"pymcdm": "tummala_ling1998", "saaty": "saaty1980"}
#: The Alonso & Lamata (2006) linear fit, offered as its own explicit choice.
AL_FIT = "alonso_lamata2006_fit"


@cache
def _tables() -> dict[str, dict[str, Any]]:
    text = resources.files("citymatch").joinpath("data/ri_tables.json").read_text("utf-8")
    return dict(json.loads(text)["tables"])


def _ri_table_names() -> tuple[str, ...]:
    return (*_tables().keys(), AL_FIT)


RI_TABLES: tuple[str, ...] = (
    "saaty1980",
    "saaty2005_anp",
    "alonso_lamata2006",
    "donegan_dodd1991",
    "tummala_ling1998",
    AL_FIT,
)


def random_index(n: int, ri: str | Mapping[int, float] = "saaty1980") -> tuple[float, str]:
    """Random consistency index RI(n) from a named table or a user mapping.

    Parameters
    ----------
    n : int
        Matrix size.
    ri : str or mapping
        ``"saaty1980"`` (default; Saaty 1980, n = 1..15), ``"saaty2005_anp"``,
        ``"alonso_lamata2006"``, ``"donegan_dodd1991"``, ``"tummala_ling1998"``
        (alias ``"pymcdm"``: the table pymcdm uses), ``"alonso_lamata2006_fit"``
        (the linear fit ``RI = (1.7699 n − 4.3513)/(n − 1)``, any n ≥ 3), or a
        mapping ``{n: RI}``.

    Returns
    -------
    (float, str)
        The index and the table's name (``"custom"`` for a mapping).

    Raises
    ------
    RandomIndexError
        Unknown table, or ``n`` outside the table's range (never extrapolated).
    """
    if isinstance(ri, Mapping):
        if n <= 2:  # CR is 0 whatever the index: no entry needed
            return 0.0, "custom"
        if n not in ri:
            raise RandomIndexError(
                f"`ri` mapping has no entry for n = {n}; it covers n = {sorted(ri)}."
            )
        value = float(ri[n])
        if not np.isfinite(value) or value <= 0:
            raise RandomIndexError(f"`ri[{n}]` must be a positive number; got {ri[n]!r}.")
        return value, "custom"
    if not isinstance(ri, str):
        raise CitymatchTypeError(
            f"`ri` must be a table name or a mapping {{n: RI}}; got {type(ri).__name__}."
        )
    name = _ALIASES.get(ri, ri)
    tables = _tables()
    if name != AL_FIT and name not in tables:  # checked for every n, also n ≤ 2
        raise RandomIndexError(
            f"`ri` must be one of {', '.join(map(repr, _ri_table_names()))} or a mapping "
            f"{{n: RI}}; got {ri!r}."
        )
    if n <= 2:  # CR is 0 for n ≤ 2 (every 2×2 reciprocal matrix is consistent)
        return 0.0, name
    if name == AL_FIT:
        return (1.7699 * n - 4.3513) / (n - 1), AL_FIT
    values = tables[name]["values"]
    if n > len(values):
        raise RandomIndexError(
            f"`ri` table {name!r} covers n = 1..{len(values)}; got a {n}×{n} matrix. "
            f"Choose {AL_FIT!r} (any n ≥ 3) or give a mapping {{n: RI}}; citymatch does "
            "not extrapolate a published table."
        )
    return float(values[n - 1]), name


def _geometric_mean_weights(stack: F64) -> F64:
    g: F64 = np.exp(np.mean(np.log(stack), axis=-1))
    out: F64 = g / g.sum(axis=-1, keepdims=True)
    return out


def _principal(stack: F64, *, tol: float = 1e-15, max_iter: int = 60) -> tuple[F64, F64]:
    """Principal right eigenvector (sum 1) and eigenvalue of each positive matrix.

    Batched power iteration, accelerated by squaring: ``B = A⁸`` (three batched matrix
    products, each rescaled to avoid overflow) is iterated from ``B·1`` until the vectors
    stop changing, then two plain steps with ``A`` polish the vector and give
    ``λ = Σ (A v)`` for ``Σ v = 1``.  Perron–Frobenius guarantees a simple, positive,
    dominant eigenvalue for positive matrices; the few matrices that have not converged
    after ``max_iter`` steps of ``B`` (a second eigenvalue close in modulus) fall back to
    ``numpy.linalg.eig``.
    """
    k, n = stack.shape[:2]
    # Scale each matrix so its largest entry is 1/n: the eigenvector is unchanged and the
    # entries of the eighth power stay ≤ 1 (no overflow, no renormalisation between squarings).
    b = stack * (1.0 / (n * stack.max(axis=(1, 2))))[:, None, None]
    for _ in range(3):
        b = np.matmul(b, b)
    v = b.sum(axis=2)
    v /= v.sum(axis=-1, keepdims=True)
    todo = np.arange(k)
    b_act, v_act = b, v
    for _ in range(max_iter):
        nv = np.matmul(b_act, v_act[..., None])[..., 0]
        nv /= nv.sum(axis=-1, keepdims=True)
        moving = np.max(np.abs(nv - v_act), axis=-1) > tol * np.max(nv, axis=-1)
        v[todo] = nv
        if not moving.any():
            todo = todo[:0]
            break
        if moving.sum() * 4 < todo.size:  # compact only when few remain (copies cost)
            todo = todo[moving]
            b_act = b[todo]
            v_act = v[todo]
        else:
            v_act = nv
    if todo.size:  # slow convergence: exact eigen-decomposition for the rest
        vals, vecs = np.linalg.eig(stack[todo])
        top = np.argmax(vals.real, axis=-1)
        vec = np.abs(vecs.real[np.arange(todo.size), :, top])
        v[todo] = vec / vec.sum(axis=-1, keepdims=True)
    for _ in range(2):  # polish with A itself; the last product also gives λ
        av = np.matmul(stack, v[..., None])[..., 0]
        lam = av.sum(axis=-1)
        v = av / lam[:, None]
    return v, lam


def ahp(
    pairwise: ArrayLike,
    *,
    method: Method = "eigenvector",
    ri: str | Mapping[int, float] = "saaty1980",
    threshold: float = 0.10,
    rtol: float = 5e-3,
    labels: Sequence[str] | None = None,
) -> AHPResult:
    """Priorities and consistency of an AHP pairwise-comparison matrix.

    Parameters
    ----------
    pairwise : array_like, shape (n, n)
        Positive reciprocal matrix: ``a[i, j]`` is how much more important element i
        is than j (Saaty's 1–9 scale).  Entries may be numbers or fraction strings
        such as ``"1/3"``.  A (K, n, n) stack goes to :func:`ahp_batch`.
    method : {"eigenvector", "geometric_mean"}, default "eigenvector"
        Principal right eigenvector (Saaty) or normalised row geometric means
        (Crawford & Williams 1985).  Both give the same weights for n = 2 and for any
        perfectly consistent matrix.
    ri : str or mapping, default "saaty1980"
        Random-index table for CR (see :func:`random_index`).
    threshold : float, default 0.10
        A matrix is ``consistent`` when ``cr <= threshold``.
    rtol : float, default 5e-3
        Tolerance of the unit-diagonal and reciprocity checks
        (``|a[i, j]·a[j, i] − 1| ≤ rtol``), so that 0.333 is accepted for 1/3.
    labels : sequence of str, optional
        Element names, used by ``to_frame()``.

    Returns
    -------
    AHPResult
        ``weights``, ``lambda_max``, ``ci``, ``cr``, ``ri``, ``ri_table``,
        ``consistent``.  λmax is the principal eigenvalue under either method.

    Raises
    ------
    PairwiseMatrixError
        Not positive, not finite, diagonal not 1, or not reciprocal; the message names
        the first offending cell and both values.
    ShapeError
        Not square, or a stack of matrices (see :func:`ahp_batch`).
    RandomIndexError
        ``n`` beyond the chosen table.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    .. [2] Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
       Int. J. Services Sciences 1(1), 83–98. https://doi.org/10.1504/IJSSCI.2008.017590
    .. [3] Alonso, J. A. & Lamata, M. T. (2006). Consistency in the analytic hierarchy
       process: a new approach. IJUFKS 14(4), 445–459.
       https://doi.org/10.1142/S0218488506004114

    Examples
    --------
    >>> import citymatch
    >>> res = citymatch.ahp([[1, 4, 3, 7], ["1/4", 1, "1/3", 3],
    ...                      ["1/3", 3, 1, 5], ["1/7", "1/3", "1/5", 1]])
    >>> res.weights.round(3).tolist()
    [0.548, 0.127, 0.27, 0.056]
    >>> round(float(res.cr), 3), bool(res.consistent)
    (0.044, True)
    """
    a = as_pairwise(pairwise, rtol)
    if a.ndim == 3:
        raise ShapeError(
            f"`pairwise` must be one (n, n) matrix; got a stack of shape {a.shape}. Use "
            "citymatch.ahp_batch() for K matrices at once."
        )
    w, lam, ci, cr, ri_value, ri_name, names = _ahp_stack(a[None], method, ri, threshold, labels)
    return AHPResult(
        w[0],
        float(lam[0]),
        float(ci[0]),
        float(cr[0]),
        ri_value,
        ri_name,
        bool(cr[0] <= threshold),
        float(threshold),
        method,
        names,
    )


def _ahp_stack(
    stack: F64,
    method: str,
    ri: str | Mapping[int, float],
    threshold: float,
    labels: Sequence[str] | None,
) -> tuple[F64, F64, F64, F64, float, str, tuple[str, ...] | None]:
    """Weights, λmax, CI, CR of a validated (K, n, n) stack; the RI used; the labels."""
    if method not in ("eigenvector", "geometric_mean"):
        raise CitymatchValueError(
            f"`method` must be 'eigenvector' or 'geometric_mean'; got {method!r}."
        )
    if not (isinstance(threshold, (int, float)) and not isinstance(threshold, bool)) or not (
        0 <= threshold
    ):
        raise CitymatchValueError(f"`threshold` must be a number ≥ 0; got {threshold!r}.")
    n = stack.shape[-1]
    names = None
    if labels is not None:
        names = tuple(str(x) for x in labels)
        if len(names) != n:
            raise ShapeError(f"`labels` must have {n} names (one per element); got {len(names)}.")
    ri_value, ri_name = random_index(n, ri)
    if n == 1:
        w = np.ones((stack.shape[0], 1))
        lam = np.ones(stack.shape[0])
    else:
        w_eig, lam = _principal(stack)
        w = w_eig if method == "eigenvector" else _geometric_mean_weights(stack)
    check_finite_result(w, what="AHP weights")
    check_finite_result(lam, what="AHP λmax")
    if n <= 2:
        ci = np.zeros(stack.shape[0])
        lam = np.full(stack.shape[0], float(n)) if n == 1 else lam
    else:
        ci = (lam - n) / (n - 1)
    ci = np.maximum(ci, 0.0)  # λmax ≥ n for positive reciprocal matrices; clip round-off
    cr = ci / ri_value if n > 2 else np.zeros_like(ci)
    return w, lam, ci, cr, ri_value, ri_name, names


def ahp_batch(
    pairwise: ArrayLike,
    *,
    method: Method = "eigenvector",
    ri: str | Mapping[int, float] = "saaty1980",
    threshold: float = 0.10,
    rtol: float = 5e-3,
    labels: Sequence[str] | None = None,
) -> AHPBatchResult:
    """:func:`ahp` for a stack of K matrices at once (one batched eigen-iteration).

    Parameters are those of :func:`ahp`; ``pairwise`` has shape (K, n, n) (a single (n, n)
    matrix is a stack of one).

    Returns
    -------
    AHPBatchResult
        ``weights`` (K, n) and ``lambda_max``, ``ci``, ``cr``, ``consistent`` of shape (K,).

    Examples
    --------
    >>> import citymatch
    >>> res = citymatch.ahp_batch([[[1, 3], ["1/3", 1]], [[1, 1], [1, 1]]])
    >>> res.weights.round(3).tolist()
    [[0.75, 0.25], [0.5, 0.5]]
    """
    a = as_pairwise(pairwise, rtol)
    stack = a if a.ndim == 3 else a[None]
    w, lam, ci, cr, ri_value, ri_name, names = _ahp_stack(stack, method, ri, threshold, labels)
    return AHPBatchResult(
        w, lam, ci, cr, ri_value, ri_name, cr <= threshold, float(threshold), method, names
    )


def ahp_group(
    matrices: ArrayLike,
    *,
    expert_weights: ArrayLike | None = None,
    method: Method = "eigenvector",
    ri: str | Mapping[int, float] = "saaty1980",
    threshold: float = 0.10,
    rtol: float = 5e-3,
    labels: Sequence[str] | None = None,
) -> GroupAHPResult:
    """Aggregate several experts' judgements by the element-wise geometric mean (AIJ).

    Parameters
    ----------
    matrices : array_like, shape (E, n, n)
        One reciprocal matrix per expert.
    expert_weights : array_like, shape (E,), optional
        Non-negative weights of the experts (normalised to sum 1); equal by default.
        The aggregate is ``Π_e a_e^{λ_e}``, which stays reciprocal.
    method, ri, threshold, rtol, labels
        As in :func:`ahp`.

    Returns
    -------
    GroupAHPResult
        ``aggregate`` (AHPResult of the aggregated matrix), ``matrix``, and
        ``experts`` (batched AHPResult: each expert's weights and CR).

    References
    ----------
    .. [1] Forman, E. & Peniwati, K. (1998). Aggregating individual judgments and
       priorities with the analytic hierarchy process. EJOR 108(1), 165–169.
       https://doi.org/10.1016/S0377-2217(97)00244-0
    """
    a = as_pairwise(matrices, rtol)
    if a.ndim != 3:
        raise ShapeError(
            f"`matrices` must be a stack E×n×n of the experts' matrices; got shape {a.shape}."
        )
    e = a.shape[0]
    if expert_weights is None:
        lam = np.full(e, 1.0 / e)
    else:
        lam = real_array(expert_weights, name="expert_weights", copy=True)
        if lam.shape != (e,):
            raise ShapeError(
                f"`expert_weights` must have {e} elements (one per expert); got shape {lam.shape}."
            )
        if not np.isfinite(lam).all() or (lam < 0).any() or lam.sum() <= 0:
            raise WeightsError(
                f"`expert_weights` must be finite, non-negative and not all zero; got {lam.tolist()}."
            )
        lam = lam / lam.sum()
    agg = np.exp(np.tensordot(lam, np.log(a), axes=1))
    kw: dict[str, Any] = dict(method=method, ri=ri, threshold=threshold, rtol=rtol, labels=labels)
    return GroupAHPResult(
        aggregate=ahp(agg, **kw),
        matrix=agg,
        experts=ahp_batch(a, **kw),
        expert_weights=lam,
    )


@dataclass(frozen=True, repr=False, eq=False)
class HierarchyResult:
    """Result of :func:`ahp_hierarchy`.

    Attributes
    ----------
    weights : pandas.Series
        Global priority of each leaf: the sum over its paths of the product of local
        priorities (distributive synthesis).
    local : dict of str to AHPResult
        The AHP result of each node's judgements, keyed by node name.
    """

    weights: pd.Series
    local: dict[str, AHPResult]

    @property
    def max_cr(self) -> float:
        """Largest consistency ratio over the nodes."""
        return max(float(r.cr) for r in self.local.values())

    def to_frame(self) -> pd.DataFrame:
        """Global weights of the leaves."""
        return self.weights.to_frame("weight")

    def __repr__(self) -> str:
        pairs = ", ".join(f"{k}={v:.4f}" for k, v in self.weights.items())
        return f"HierarchyResult({pairs}; {len(self.local)} nodes, max CR {self.max_cr:.4f})"

    def _repr_html_(self) -> str:
        from .._display import html_table

        return html_table(self.to_frame(), repr(self))


def ahp_hierarchy(
    tree: Mapping[str, Any],
    *,
    method: Method = "eigenvector",
    ri: str | Mapping[int, float] = "saaty1980",
    threshold: float = 0.10,
    rtol: float = 5e-3,
    name: str = "goal",
) -> HierarchyResult:
    """Global weights of a hierarchy (goal → criteria → sub-criteria → …).

    Parameters
    ----------
    tree : mapping
        A node: ``{"matrix": pairwise, "children": children}`` where ``children``
        is a list of leaf names, or a mapping name → sub-node (or ``None`` for a
        leaf), in the order of the matrix rows.  The same leaf name may appear under
        several parents (e.g. alternatives under every criterion); its global weight
        is then the sum over its paths.
    method, ri, threshold, rtol
        As in :func:`ahp`, applied at every node.
    name : str, default "goal"
        Name of the root node in ``local``.

    Returns
    -------
    HierarchyResult

    Examples
    --------
    >>> import citymatch
    >>> tree = {"matrix": [[1, 3], ["1/3", 1]],
    ...         "children": {"economic": {"matrix": [[1, 1], [1, 1]],
    ...                                   "children": ["sectors", "trade"]},
    ...                      "cultural": None}}
    >>> citymatch.ahp_hierarchy(tree).weights.round(3).to_dict()
    {'sectors': 0.375, 'trade': 0.375, 'cultural': 0.25}
    """
    local: dict[str, AHPResult] = {}
    totals: dict[str, float] = {}

    def visit(node: Mapping[str, Any], node_name: str, mass: float) -> None:
        if not isinstance(node, Mapping) or "matrix" not in node or "children" not in node:
            raise CitymatchValueError(
                f"hierarchy node {node_name!r} must be a mapping with 'matrix' and 'children'; "
                f"got {node!r}."
            )
        children = node["children"]
        if isinstance(children, Mapping):
            names = list(children)
            subs = [children[c] for c in names]
        elif isinstance(children, Sequence) and not isinstance(children, str):
            names = [str(c) for c in children]
            subs = [None] * len(names)
        else:
            raise CitymatchValueError(
                f"hierarchy node {node_name!r}: 'children' must be a list or a mapping; got {children!r}."
            )
        if len(set(names)) != len(names):
            raise CitymatchValueError(f"hierarchy node {node_name!r} lists a child twice: {names}.")
        try:
            res = ahp(
                node["matrix"], method=method, ri=ri, threshold=threshold, rtol=rtol, labels=names
            )
        except (ShapeError, PairwiseMatrixError) as exc:
            raise type(exc)(f"hierarchy node {node_name!r}: {exc}") from exc
        key = node_name
        while key in local:
            key += "'"
        local[key] = res
        for child, sub, wt in zip(names, subs, res.weights, strict=True):
            if sub is None:
                totals[child] = totals.get(child, 0.0) + mass * float(wt)
            else:
                visit(sub, child, mass * float(wt))

    visit(tree, name, 1.0)
    return HierarchyResult(pd.Series(totals, name="weight"), local)
