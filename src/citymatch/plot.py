"""Plots (matplotlib, optional extra ``plot``): imported only when a plot is asked for.

``import citymatch.plot`` loads neither matplotlib nor any analysis module: each plotting
function imports matplotlib through :func:`citymatch._util.require` (a missing extra raises
:class:`~citymatch.errors.MissingDependencyError`), and the results it draws are described by
the small protocols below (any object with those attributes can be plotted).
:func:`save` writes a figure through citymatch's one atomic write.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ._util import atomic_output, require
from .errors import CitymatchValueError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

__all__ = [
    "acceptability_heatmap",
    "contributions",
    "frontier",
    "method_ranks",
    "save",
    "tornado",
    "weight_sweep",
]

#: Figure formats :func:`save` writes (by the file's suffix).
FORMATS = ("png", "svg", "pdf")


class _Titled(Protocol):
    @property
    def title(self) -> str: ...


class RankingLike(Protocol):
    """What :func:`contributions` reads: a ranking (``citymatch.Ranking``)."""

    @property
    def criteria(self) -> _Titled: ...

    def to_frame(self) -> pd.DataFrame: ...


class AcceptabilityLike(Protocol):
    """What :func:`acceptability_heatmap` reads: an SMAA rank-acceptability result."""

    @property
    def acceptability(self) -> NDArray[np.float64]: ...

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def samples(self) -> int: ...

    @property
    def sampler(self) -> str: ...


class StabilityLike(Protocol):
    """What :func:`tornado` reads: a stability-interval result (winner and table)."""

    @property
    def table(self) -> pd.DataFrame: ...

    @property
    def winner(self) -> str: ...


class SweepLike(Protocol):
    """What :func:`weight_sweep` reads: a one-criterion weight sweep."""

    @property
    def criterion(self) -> str: ...

    @property
    def weights(self) -> NDArray[np.float64]: ...

    @property
    def ranks(self) -> NDArray[np.int64]: ...

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def base_weight(self) -> float: ...


def _pyplot() -> Any:
    return require("matplotlib.pyplot", "plotting")


def _figure(ax: Axes) -> Figure:
    """The top-level figure of ``ax`` (also when ``ax`` lives on a subfigure)."""
    return ax.figure.figure


def save(ax: Axes, path: str | os.PathLike[str]) -> Path:
    """Save the figure of ``ax`` atomically; the format follows the suffix (png, svg, pdf).

    Written through citymatch's one atomic write: a failure leaves the old file (or none)
    and no temporary file, and the new file gets the mode ``0o666 & ~umask``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    CitymatchValueError
        ``path`` does not end in .png, .svg or .pdf.
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise CitymatchValueError(f"`path` must end in .png, .svg or .pdf; got {str(target)!r}.")
    with atomic_output(target, name="plot file") as tmp:
        _figure(ax).savefig(tmp, format=fmt, dpi=120)
    return target


def contributions(ranking: RankingLike, *, top: int = 15, ax: Axes | None = None) -> Axes:
    """Horizontal stacked bars of each criterion's contribution to the top candidates' scores.

    Each bar starts at 0.5 and the coloured segments are the exact contributions
    (``score = 0.5 + Σ contrib``): segments to the right pushed the candidate towards the
    ideal, to the left towards the anti-ideal.  A black dot marks the score.

    Parameters
    ----------
    ranking : Ranking
    top : int, default 15
        Number of candidates shown (best at the top).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    table = ranking.to_frame().head(top).iloc[::-1]
    labels = table["name"] if "name" in table.columns else table["id"]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(table) + 1.2))
    cols = [c for c in table.columns if c.startswith("contrib_")]
    y = np.arange(len(table))
    pos = np.full(len(table), 0.5)
    neg = np.full(len(table), 0.5)
    cmap = plt.get_cmap("tab10")
    for j, col in enumerate(cols):
        v = table[col].to_numpy()
        left = np.where(v >= 0, pos, neg + v)
        ax.barh(y, np.abs(v), left=left, color=cmap(j % 10), label=col.removeprefix("contrib_"))
        pos = pos + np.clip(v, 0, None)
        neg = neg + np.clip(v, None, 0)
    ax.plot(table["score"], y, "ko", ms=4, label="score")
    ax.axvline(0.5, color="0.4", lw=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel("TOPSIS closeness (bars: contribution of each criterion around 0.5)")
    ax.set_title(f"{ranking.criteria.title}: top {len(table)}")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    _figure(ax).tight_layout()
    return ax


def acceptability_heatmap(
    result: AcceptabilityLike, *, top: int = 15, ax: Axes | None = None
) -> Axes:
    """Heat map of rank acceptabilities (rows: the ``top`` candidates by expected rank)."""
    plt = _pyplot()
    acc = result.acceptability
    k = acc.shape[1]  # ranks counted (N, or the first k): beyond them counts as rank k + 1
    expected = acc @ np.arange(1, k + 1) + (1.0 - acc.sum(axis=1)) * (k + 1)
    rows = np.argsort(expected, kind="stable")[:top]
    cols = min(k, max(top, 10))
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * cols + 2.5, 0.35 * len(rows) + 1.5))
    im = ax.imshow(
        acc[rows, :cols],
        cmap="viridis",
        vmin=0,
        vmax=max(1e-9, float(acc[rows, :cols].max())),
        aspect="auto",
    )
    ax.set_yticks(range(len(rows)), [result.ids[int(i)] for i in rows])
    ax.set_xticks(range(cols), [str(r) for r in range(1, cols + 1)])
    ax.set_xlabel("rank")
    ax.set_title(f"Rank acceptability ({result.samples:,} samples, {result.sampler})")
    _figure(ax).colorbar(im, ax=ax, label="share of samples")
    _figure(ax).tight_layout()
    return ax


def tornado(result: StabilityLike, *, ax: Axes | None = None) -> Axes:
    """Tornado chart: per criterion, the weight interval in which the winner stays first."""
    plt = _pyplot()
    t = result.table.copy()
    t["width"] = t["top_high"] - t["top_low"]
    t = t.sort_values("width", ascending=False)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.4 * len(t) + 1.2))
    y = np.arange(len(t))
    ax.barh(
        y,
        t["top_high"] - t["top_low"],
        left=t["top_low"],
        color="tab:blue",
        alpha=0.6,
        label=f"{result.winner} stays first",
    )
    ax.plot(t["weight"], y, "k|", ms=14, mew=2, label="current weight")
    ax.set_yticks(y, t["criterion"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("criterion weight (others rescaled proportionally)")
    ax.set_title("Stability of the winner")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    _figure(ax).tight_layout()
    return ax


def weight_sweep(result: SweepLike, *, top: int = 8, ax: Axes | None = None) -> Axes:
    """Rank trajectories along a weight sweep for candidates ever in the top ``top``."""
    plt = _pyplot()
    ranks = result.ranks
    show = np.flatnonzero((ranks <= top).any(axis=0))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for i in show:
        ax.plot(result.weights, ranks[:, i], lw=1.5, label=result.ids[int(i)])
    ax.axvline(result.base_weight, color="0.3", ls="--", lw=1)
    ax.invert_yaxis()
    ax.set_ylim(top + 0.5, 0.5)
    ax.set_xlabel(f"weight of {result.criterion} (others rescaled proportionally)")
    ax.set_ylabel("rank")
    ax.legend(
        fontsize="x-small", ncol=2, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5)
    )
    _figure(ax).tight_layout()
    return ax


class AgreementLike(Protocol):
    """What :func:`method_ranks` reads: a method-agreement result."""

    @property
    def ranks(self) -> pd.DataFrame: ...

    @property
    def consensus(self) -> pd.DataFrame: ...


def method_ranks(result: AgreementLike, *, top: int = 10, ax: Axes | None = None) -> Axes:
    """Each candidate's rank under each method (and the Borda consensus), one line each.

    Candidates in the consensus top ``top`` are drawn; crossing lines are disagreements.
    """
    plt = _pyplot()
    ranks = result.ranks.join(result.consensus["borda_rank"].rename("Borda"))
    keep = result.consensus.sort_values("borda_rank", kind="stable").index[:top]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    xs = np.arange(ranks.shape[1])
    for cid in keep:
        ax.plot(xs, ranks.loc[cid].to_numpy(float), marker="o", lw=1.5, label=str(cid))
    ax.set_xticks(xs, list(ranks.columns))
    ax.invert_yaxis()
    ax.set_ylabel("rank")
    ax.set_title("Rank under each method")
    ax.legend(
        fontsize="x-small", ncol=2, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5)
    )
    _figure(ax).tight_layout()
    return ax


def frontier(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Step plot of optimal portfolio value against the yearly budget (efficient frontier)."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    ok = table["status"].isin([0, 1])
    ax.step(
        table.loc[ok, "budget_per_year"], table.loc[ok, "value"], where="post", color="tab:blue"
    )
    ax.plot(table.loc[ok, "budget_per_year"], table.loc[ok, "value"], "o", color="tab:blue", ms=4)
    if (~ok).any():
        ax.plot(
            table.loc[~ok, "budget_per_year"],
            [0] * int((~ok).sum()),
            "x",
            color="tab:red",
            label="no feasible plan",
        )
        ax.legend(frameon=False, fontsize="small")
    if "factor" in table and (table["factor"] == 1).any():
        ax.axvline(
            float(table.loc[table["factor"] == 1, "budget_per_year"].iloc[0]),
            color="0.4",
            ls="--",
            lw=1,
        )
    ax.set_xlabel("budget per year")
    ax.set_ylabel("optimal portfolio value")
    ax.set_title("What more money buys")
    _figure(ax).tight_layout()
    return ax
