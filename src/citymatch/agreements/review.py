"""The review of a register (recommendations 3, 4, 6 and 7 of the report).

:func:`review` recommends, for every agreement, renew, sunset, reclassify (MOUs into
Partnership or Friendship agreements), needs-objectives, set-term or continue, with every
reason, and enforces the cap on active agreements.  Each class is reviewed on its own rules
(:data:`~citymatch.agreements.policy.CLASS_RULES`): its partner on the class's own criteria
set (a Friendship partner on cultural and community ties, never on the economic set) and its
term against the class's three-to-five years.  The result is an immutable :class:`Review`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd

from .._display import html_table
from .._validate import check_count, check_real
from ..errors import CitymatchValueError
from ..models.agreement import Agreement
from .facts import IN_FORCE
from .policy import CLASS_RULES, ClassRules, TermCheck, term_check
from .register import Register

if TYPE_CHECKING:  # pragma: no cover
    from ..models.criteria import CriteriaSet

__all__ = ["COLUMNS", "Review", "review"]

#: A criteria set: loaded, a shipped name or a path.
CriteriaSpec: TypeAlias = "CriteriaSet | str | Path"

#: Each partner's (rank, number ranked) under one criteria set.
_Ranks: TypeAlias = dict[str, tuple[int, int]]

#: The columns of :attr:`Review.table`, in order.
COLUMNS = (
    "id",
    "class",
    "status",
    "recommendation",
    "new_class",
    "end",
    "term_years",
    "term",
    "kpi_progress",
    "criteria",
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
        sunset, reclassify, needs-objectives, set-term, continue, or the recorded
        sunset/historical), ``new_class`` (for reclassify), ``end``, ``term_years`` (the
        current term's length), ``term`` (the term check: ok, too long, too short,
        open-ended, unknown, no rule), ``kpi_progress`` (mean), ``criteria`` (the set the
        partner was judged on, its class's own), ``partner_rank`` (under that set), and
        ``reasons`` (all the reasons, "; "-joined).
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


def _class_sets(
    criteria: CriteriaSpec | Mapping[str, CriteriaSpec] | None,
    rules: Mapping[str, ClassRules],
) -> tuple[dict[str, CriteriaSpec | None], set[str]]:
    """Each class's criteria set, and the classes whose set the caller chose explicitly."""
    own: dict[str, CriteriaSpec | None] = {c: r.criteria for c, r in rules.items()}
    if criteria is None:
        return own, set()
    if isinstance(criteria, Mapping):
        own.update(criteria)
        return own, set(criteria)
    chosen = {c for c, r in rules.items() if r.economic}
    own.update(dict.fromkeys(chosen, criteria))
    return own, chosen


def _partner_ranks(
    sets: dict[str, CriteriaSpec | None],
    explicit: set[str],
    candidates: pd.DataFrame | str | Path | None,
) -> dict[str, tuple[str, _Ranks]]:
    """Per class: the name of its criteria set and each candidate's rank under it.

    A class's own (default) set that the candidate table cannot score (it lacks one of the
    set's columns) is skipped; a set the caller chose must score it (else the error is raised).
    """
    if candidates is None:
        return {}
    from ..io import read_table
    from ..models.criteria import load_criteria
    from ..rank import rank  # deferred: loading a register does not need the scoring stack

    table = read_table(candidates)
    by_set: dict[str, tuple[str, _Ranks] | None] = {}
    out: dict[str, tuple[str, _Ranks]] = {}
    for cls, spec in sets.items():
        if spec is None:
            continue
        key = spec if isinstance(spec, str) else repr(spec)
        if key not in by_set:
            cs = load_criteria(spec)
            if cls not in explicit and any(c.column not in table.columns for c in cs.criteria):
                by_set[key] = None
            else:
                r = rank(table, cs, screening=False, missing="worst").to_frame()
                n = len(r)
                ranks = {str(i): (int(k), n) for i, k in zip(r["id"], r["rank"], strict=True)}
                by_set[key] = (cs.name, ranks)
        found = by_set[key]
        if found is not None:
            out[cls] = found
    return out


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
    why: str,
    mean_prog: float | None,
    best_rank: tuple[int, int] | None,
    set_name: str | None,
    renew_threshold: float,
) -> tuple[str, list[str]]:
    """Renew or sunset an agreement at a decision point (``why`` says which)."""
    reasons = [why]
    on_track = mean_prog is not None and mean_prog >= renew_threshold
    weak_partner = best_rank is not None and best_rank[0] > 2 * best_rank[1] / 3
    if mean_prog is None:
        reasons.append("no KPI measurements")
    else:
        reasons.append(f"KPI progress {mean_prog:.0%} (renew at ≥ {renew_threshold:.0%})")
    if weak_partner:
        reasons.append(f"partner in the bottom third under {set_name}")
    return ("renew" if on_track and not weak_partner else "sunset"), reasons


@dataclass(frozen=True)
class _Case:
    """What the decision of one agreement reads."""

    status: str
    term: TermCheck
    mean_prog: float | None
    best_rank: tuple[int, int] | None
    set_name: str | None


def _decide(
    a: Agreement, c: _Case, as_of: date, months: int, renew_threshold: float
) -> tuple[str, str | None, list[str]]:
    """Rules 1–6 of :func:`review`: the recommendation, the new class and the reasons."""
    if c.status in ("sunset", "historical"):
        return c.status, None, [f"recorded as {c.status}"]
    term_reason = [c.term.reason] if c.term.verdict != "no rule" else []
    if a.agreement_class == "MOU":
        new_class, why = _reclassify(a, c.best_rank)
        return "reclassify", new_class, [f"MOU → {new_class} ({why})", *term_reason]
    smart = a.smart_issues() if a.objectives else []
    end = a.current_end
    if end is None or not a.objectives or smart:
        reasons = list(term_reason)
        if end is None:
            reasons.append("no end date: open-ended agreements risk lying dormant for decades")
        if not a.objectives:
            reasons.append("no objectives")
        return "needs-objectives", None, [*reasons, *smart]
    if c.status in ("expiring", "expired"):
        when = "ended" if c.status == "expired" else "ends"
        why = f"term {when} {end} (review window {months} months)"
        rec, more = _end_of_term(why, c.mean_prog, c.best_rank, c.set_name, renew_threshold)
        return rec, None, [*more, *term_reason]
    point = c.term.decision_point
    if c.term.flagged and point is not None and point <= as_of:
        why = f"decision point {point} passed: {c.term.reason}"
        rec, more = _end_of_term(why, c.mean_prog, c.best_rank, c.set_name, renew_threshold)
        return rec, None, more
    if c.term.flagged:
        return (
            "set-term",
            None,
            [*term_reason, "set an end of term at the decision point (recommendation 7)"],
        )
    progress = [] if c.mean_prog is None else [f"KPI progress {c.mean_prog:.0%}"]
    return "continue", None, [*progress, f"term runs to {end}", *term_reason]


def _recommend(
    a: Agreement,
    ranks: dict[str, tuple[str, _Ranks]],
    rules: Mapping[str, ClassRules],
    as_of: date,
    months: int,
    renew_threshold: float,
) -> dict[str, Any]:
    """One row of the review table."""
    status = a.status_on(as_of, expiring_months=months)
    progress = [p["progress"] for p in a.kpi_progress() if p["progress"] is not None]
    mean_prog = float(np.mean(progress)) if progress else None
    set_name, class_ranks = ranks.get(a.agreement_class, (None, {}))
    pr = [class_ranks[q] for q in a.partners if q in class_ranks]
    best_rank = min(pr) if pr else None
    term = term_check(a, rules.get(a.agreement_class))
    case = _Case(status, term, mean_prog, best_rank, set_name)
    rec, new_class, more = _decide(a, case, as_of, months, renew_threshold)
    reasons = (
        []
        if best_rank is None
        else [f"partner ranks {best_rank[0]} of {best_rank[1]} under {set_name}"]
    )
    return {
        "id": a.id,
        "class": a.agreement_class,
        "status": status,
        "recommendation": rec,
        "new_class": new_class,
        "end": a.current_end,
        "term_years": None if term.years is None else round(term.years, 2),
        "term": term.verdict,
        "kpi_progress": mean_prog,
        "criteria": set_name,
        "partner_rank": best_rank[0] if best_rank else None,
        "reasons": [*reasons, *more],
    }


def _apply_cap(rows: list[dict[str, Any]], cap: int | None) -> int:
    """Rule 6: sunset the weakest agreements until the active ones fit the cap (in place).

    Returns the number of agreements in force.
    """
    active = sum(1 for r in rows if r["status"] in IN_FORCE)
    if cap is None or active <= cap:
        return active
    leaving = sum(1 for r in rows if r["status"] in IN_FORCE and r["recommendation"] == "sunset")
    excess = active - cap - leaving
    pool = [
        r
        for r in rows
        if r["status"] in IN_FORCE
        and r["recommendation"] in ("renew", "continue", "needs-objectives", "set-term")
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
        if r["status"] in IN_FORCE and not any(s.startswith("cap pressure") for s in r["reasons"]):
            r["reasons"].append(f"{active} active agreements exceed the cap of {cap}")
    return active


def review(
    register: Register,
    criteria: CriteriaSpec | Mapping[str, CriteriaSpec] | None = None,
    candidates: pd.DataFrame | str | Path | None = None,
    *,
    as_of: date | None = None,
    months: int = 12,
    renew_threshold: float = 0.7,
    cap: int | None = 10,
    rules: Mapping[str, ClassRules] | None = None,
) -> Review:
    """Recommend renew / sunset / reclassify / needs-objectives / set-term for each agreement.

    Each class is reviewed on its own rules (``rules``, default
    :data:`~citymatch.agreements.policy.CLASS_RULES`): its partner is scored in
    ``candidates`` on the class's own criteria set (Partnership and MOU: ``partnership-city``;
    Friendship: ``friendship-city``, cultural and community ties; International Project: not
    scored), and its current term is checked against the class's three to five years.

    Rules, in order:

    1. ``sunset``/``historical`` agreements are reported as such (no action).
    2. An **MOU** is reclassified (recommendation 3): into a **Partnership** when it has
       economic objectives, into a **Friendship** when its objectives are cultural or civic;
       without objectives, by its partner's standing (top half under its class's set →
       Partnership, else Friendship: historic and cultural ties).
    3. An agreement with **no end date** ("dormant for decades") or without SMART objectives
       **needs objectives** (recommendations 6–7); the reasons list every SMART failure.
    4. A term **ending within ``months``** (or already ended) is **renewed** when its KPIs are
       on track (mean progress ≥ ``renew_threshold``) and its partner is not in the bottom third
       under its class's set; otherwise **sunset**.
    5. A term **longer than its class's** (best practice 3) is never continued silently: when
       its decision point (start + the class's longest term) has passed it is decided now as
       in rule 4; before that it is **set-term** (set the end of term at the decision point).
    6. Otherwise **continue**.
    7. **Cap pressure**: when more agreements are active than ``cap`` (after the sunsets above),
       the weakest remaining ones — no measured KPI progress first, then the lowest progress,
       then the worst-ranked partner — are recommended for sunset until the count fits, with
       the reason "cap pressure".

    Every row reports the term check (``term``, ``term_years``; the reasons say when a term
    is longer than its class's), the KPI progress, the criteria set and rank of the partner,
    and the cap pressure.

    Parameters
    ----------
    register : Register
    criteria : criteria set, or mapping of class → criteria set, optional
        A mapping sets the criteria of the classes it names (the others keep their own).  A
        single set replaces the set of the classes judged on economic outcomes
        (``ClassRules.economic``: Partnership and MOU by default) and no other, so a
        Friendship partner is never judged on the economic set.  None: every class's own.
    candidates : DataFrame or path, optional
        The table in which the partners are scored; without it no partner is scored.  A
        class's own set that the table cannot score (a column missing) is skipped; a set
        passed in ``criteria`` must score it.
    as_of : date, default today
    months : int, default 12
        The review window before the end of a term.
    renew_threshold : float, default 0.7
        Mean KPI progress at or above which an ending term is renewed.
    cap : int or None, default 10
        The cap on agreements in force; None for no cap.
    rules : mapping of class → ClassRules, optional
        The classes' rules (criteria set and term) where the city's policy differs from
        :data:`~citymatch.agreements.policy.CLASS_RULES`; a class without rules gets no term
        check and no partner score.

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
    rules = CLASS_RULES if rules is None else rules
    sets, explicit = _class_sets(criteria, rules)
    ranks = _partner_ranks(sets, explicit, candidates)
    rows = [_recommend(a, ranks, rules, as_of, months, renew_threshold) for a in register]
    active = _apply_cap(rows, cap)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["reasons"] = table["reasons"].map("; ".join)
    return Review(table, as_of, active, cap)
