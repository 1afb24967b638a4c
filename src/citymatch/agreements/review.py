"""The review of a register (recommendations 3, 4, 6 and 7 of the report).

:func:`review` recommends, for every agreement, renew, sunset, reclassify (MOUs into
Partnership or Friendship agreements), needs-objectives or continue, with every reason, and
enforces the cap on active agreements.  The result is an immutable :class:`Review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._display import html_table
from .._validate import check_count, check_real
from ..errors import CitymatchValueError
from ..models.agreement import Agreement
from .register import Register

if TYPE_CHECKING:  # pragma: no cover
    from ..models.criteria import CriteriaSet

__all__ = ["Review", "review"]

#: Statuses that count towards the cap on active agreements.
_IN_FORCE = ("active", "expiring")

#: The columns of :attr:`Review.table`, in order.
COLUMNS = (
    "id",
    "class",
    "status",
    "recommendation",
    "new_class",
    "end",
    "kpi_progress",
    "partner_rank",
    "reasons",
)


@dataclass(frozen=True, repr=False, eq=False, init=False)
class Review:
    """Recommendations for every agreement (an immutable value).

    Attributes
    ----------
    table : DataFrame
        A copy on every access: ``id``, ``class``, ``status``, ``recommendation`` (renew,
        sunset, reclassify, needs-objectives, continue, or the recorded sunset/historical),
        ``new_class`` (for reclassify), ``end``, ``kpi_progress`` (mean), ``partner_rank``,
        and ``reasons`` (all the reasons, "; "-joined).
    as_of : date
    active : int
        Agreements in force on ``as_of``.
    cap : int or None
    """

    as_of: date
    active: int
    cap: int | None
    _table: pd.DataFrame

    def __init__(self, table: pd.DataFrame, as_of: date, active: int, cap: int | None) -> None:
        object.__setattr__(self, "_table", table.copy(deep=True))
        object.__setattr__(self, "as_of", as_of)
        object.__setattr__(self, "active", active)
        object.__setattr__(self, "cap", cap)

    @property
    def table(self) -> pd.DataFrame:
        """The recommendation table (a copy: changing it leaves the review unchanged)."""
        return self._table.copy(deep=True)

    def to_frame(self) -> pd.DataFrame:
        """The recommendation table (a copy)."""
        return self.table

    def __repr__(self) -> str:
        counts = self._table["recommendation"].value_counts().to_dict()
        cap = f", cap {self.cap}" if self.cap is not None else ""
        return f"Review(as of {self.as_of}: {self.active} active{cap}; {counts})"

    def _repr_html_(self) -> str:
        return html_table(self._table, repr(self), max_rows=60)


def _partner_ranks(
    criteria: CriteriaSet | str | Path | None, candidates: pd.DataFrame | str | Path | None
) -> dict[str, tuple[int, int]]:
    """Each candidate's rank and the number ranked, when both inputs are given."""
    if criteria is None or candidates is None:
        return {}
    from ..rank import rank  # deferred: loading a register does not need the scoring stack

    r = rank(candidates, criteria, screening=False, missing="worst").to_frame()
    n = len(r)
    return {str(i): (int(k), n) for i, k in zip(r["id"], r["rank"], strict=True)}


def _reclassify(a: Agreement, best_rank: tuple[int, int] | None) -> tuple[str, str]:
    """The new class of an MOU and why: its objectives decide, else its partner's standing."""
    if a.objectives:
        economic = any(o.kind == "economic" for o in a.objectives)
        if economic:
            return "Partnership", "economic objectives"
        return "Friendship", "its objectives are cultural or civic"
    if best_rank is not None and best_rank[0] <= best_rank[1] / 2:
        return "Partnership", "no objectives yet; partner ranks in the top half"
    return (
        "Friendship",
        "no objectives yet; partner not in the top half: historic and cultural ties",
    )


def _end_of_term(
    status: str,
    end: date,
    mean_prog: float | None,
    best_rank: tuple[int, int] | None,
    months: int,
    renew_threshold: float,
) -> tuple[str, list[str]]:
    """Renew or sunset an agreement whose term ends within the window (or has ended)."""
    when = "ended" if status == "expired" else "ends"
    reasons = [f"term {when} {end} (review window {months} months)"]
    on_track = mean_prog is not None and mean_prog >= renew_threshold
    weak_partner = best_rank is not None and best_rank[0] > 2 * best_rank[1] / 3
    if mean_prog is None:
        reasons.append("no KPI measurements")
    else:
        reasons.append(f"KPI progress {mean_prog:.0%} (renew at ≥ {renew_threshold:.0%})")
    if weak_partner:
        reasons.append("partner in the bottom third under the criteria")
    return ("renew" if on_track and not weak_partner else "sunset"), reasons


def _recommend(
    a: Agreement,
    ranks: dict[str, tuple[int, int]],
    as_of: date,
    months: int,
    renew_threshold: float,
) -> dict[str, Any]:
    """One row of the review table: rules 1–5 of :func:`review`."""
    status = a.status_on(as_of, expiring_months=months)
    reasons: list[str] = []
    rec, new_class = "continue", None
    progress = [p["progress"] for p in a.kpi_progress() if p["progress"] is not None]
    mean_prog = float(np.mean(progress)) if progress else None
    pr = [ranks[q] for q in a.partners if q in ranks]
    best_rank = min(pr) if pr else None
    if best_rank is not None:
        reasons.append(f"partner ranks {best_rank[0]} of {best_rank[1]} under the criteria")
    smart = [i for o in a.objectives for i in o.smart_issues()]
    end = a.current_end
    if status in ("sunset", "historical"):
        rec = status
        reasons.append(f"recorded as {status}")
    elif a.agreement_class == "MOU":
        new_class, why = _reclassify(a, best_rank)
        rec = "reclassify"
        reasons.append(f"MOU → {new_class} ({why})")
    elif end is None or not a.objectives or smart:
        rec = "needs-objectives"
        if end is None:
            reasons.append("no end date: open-ended agreements risk lying dormant for decades")
        if not a.objectives:
            reasons.append("no objectives")
        reasons.extend(smart)
    elif status in ("expiring", "expired"):
        rec, more = _end_of_term(status, end, mean_prog, best_rank, months, renew_threshold)
        reasons.extend(more)
    else:
        if mean_prog is not None:
            reasons.append(f"KPI progress {mean_prog:.0%}")
        reasons.append(f"term runs to {end}")
    return {
        "id": a.id,
        "class": a.agreement_class,
        "status": status,
        "recommendation": rec,
        "new_class": new_class,
        "end": end,
        "kpi_progress": mean_prog,
        "partner_rank": best_rank[0] if best_rank else None,
        "reasons": reasons,
    }


def _apply_cap(rows: list[dict[str, Any]], cap: int | None) -> int:
    """Rule 6: sunset the weakest agreements until the active ones fit the cap (in place).

    Returns the number of agreements in force.
    """
    active = sum(1 for r in rows if r["status"] in _IN_FORCE)
    if cap is None or active <= cap:
        return active
    leaving = sum(1 for r in rows if r["status"] in _IN_FORCE and r["recommendation"] == "sunset")
    excess = active - cap - leaving
    pool = [
        r
        for r in rows
        if r["status"] in _IN_FORCE
        and r["recommendation"] in ("renew", "continue", "needs-objectives")
    ]
    # Weakest first: no measured progress, then lowest progress, then worst partner rank.
    pool.sort(
        key=lambda r: (
            r["kpi_progress"] is not None,
            r["kpi_progress"] if r["kpi_progress"] is not None else 0.0,
            -(r["partner_rank"] or 0),
        )
    )
    for r in pool[: max(0, excess)]:
        r["recommendation"] = "sunset"
        r["reasons"].append(f"cap pressure: {active} active agreements, cap {cap}")
    for r in rows:
        if r["status"] in _IN_FORCE and not any(s.startswith("cap pressure") for s in r["reasons"]):
            r["reasons"].append(f"{active} active agreements exceed the cap of {cap}")
    return active


def review(
    register: Register,
    criteria: CriteriaSet | str | Path | None = None,
    candidates: pd.DataFrame | str | Path | None = None,
    *,
    as_of: date | None = None,
    months: int = 12,
    renew_threshold: float = 0.7,
    cap: int | None = 10,
) -> Review:
    """Recommend renew / sunset / reclassify / needs-objectives for each agreement.

    Rules, in order:

    1. ``sunset``/``historical`` agreements are reported as such (no action).
    2. An **MOU** is reclassified (recommendation 3): into a **Partnership** when it has
       economic objectives, into a **Friendship** when its objectives are cultural or civic;
       without objectives, by its partner's standing (top half under ``criteria`` →
       Partnership, else Friendship: historic and cultural ties).
    3. An agreement with **no end date** ("dormant for decades") or without SMART objectives
       **needs objectives** (recommendations 6–7); the reasons list every SMART failure.
    4. A term **ending within ``months``** (or already ended) is **renewed** when its KPIs are
       on track (mean progress ≥ ``renew_threshold``) and its partner is not in the bottom third
       under ``criteria``; otherwise **sunset**.
    5. Otherwise **continue**.
    6. **Cap pressure**: when more agreements are active than ``cap`` (after the sunsets above),
       the weakest remaining ones — no measured KPI progress first, then the lowest progress,
       then the worst-ranked partner — are recommended for sunset until the count fits, with
       the reason "cap pressure".

    Parameters
    ----------
    register : Register
    criteria, candidates : optional
        A criteria set and a candidate table in which the partners are scored (their current
        rank is one of the reasons).
    as_of : date, default today
    months : int, default 12
        The review window before the end of a term.
    renew_threshold : float, default 0.7
        Mean KPI progress at or above which an ending term is renewed.
    cap : int or None, default 10
        The cap on agreements in force; None for no cap.

    Raises
    ------
    CitymatchValueError
        ``months`` or ``cap`` is not a non-negative integer (a bool is not), or
        ``renew_threshold`` is not a finite number.
    """
    as_of = as_of or date.today()
    if not isinstance(months, int) or months < 0:
        raise CitymatchValueError(f"`months` must be a non-negative integer; got {months!r}.")
    cap = None if cap is None else check_count(cap, name="cap", minimum=0)
    renew_threshold = check_real(renew_threshold, name="renew_threshold")
    ranks = _partner_ranks(criteria, candidates)
    rows = [_recommend(a, ranks, as_of, months, renew_threshold) for a in register]
    active = _apply_cap(rows, cap)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["reasons"] = table["reasons"].map("; ".join)
    return Review(table, as_of, active, cap)
