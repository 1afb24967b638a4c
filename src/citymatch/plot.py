"""Plots (matplotlib, optional extra ``plot``): imported only when a plot is asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import CitymatchError

if TYPE_CHECKING:  # pragma: no cover
    from .rank import Ranking

__all__ = ["contributions"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise CitymatchError("plotting needs matplotlib: pip install 'citymatch[plot]'.") from exc
    return plt


def contributions(ranking: Ranking, *, top: int = 15, ax: Any = None) -> Any:
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
    return ax
