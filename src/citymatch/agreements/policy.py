"""Each agreement class's own rules: the criteria set its partner is judged on and its term.

The report (recommendation 3) gives the classes different purposes — Partnership agreements
for economic outcomes, Friendship agreements for historic, cultural and community ties — and
best practice 3 / recommendation 7 give every agreement a fixed term of three to five years
with a decision point at its end.  :data:`CLASS_RULES` holds those rules per class;
:func:`~citymatch.agreements.review` applies them (pass your own mapping where the city's
policy states otherwise).  :func:`term_check` measures an agreement's current term against
its class's.

A **policy file** (TOML, :class:`~citymatch.models.agreement.Policy`; best practice 5) states
the city's strategic goals, the cap, each class's criteria set and term, and the priority
sectors and markets: :func:`load_policy` reads it, :func:`class_rules` turns it into the
review's rules, and :func:`goal_issues` lists objectives that reference no goal of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from .._files import read_document
from ..errors import CitymatchValueError, RegisterError
from ..models._base import validate_model
from ..models.agreement import Agreement, Policy

__all__ = [
    "CLASS_RULES",
    "ClassRules",
    "TermCheck",
    "class_rules",
    "current_term",
    "goal_issues",
    "load_policy",
    "term_check",
]

#: Days a term may run past its whole number of years (leap days, end-of-day conventions).
_SLACK_DAYS = 2

#: The outcome of a term check.
TermVerdict = Literal["ok", "too long", "too short", "open-ended", "unknown", "no rule"]


@dataclass(frozen=True)
class ClassRules:
    """The rules of one agreement class.

    Attributes
    ----------
    criteria : str or None
        The criteria set the partner is judged on (a shipped name or a path); None: the
        partner is not scored, only the agreement's KPIs count.
    min_years, max_years : float
        The allowed length of a term (default three to five years).
    economic : bool
        Whether the class is judged on economic outcomes: a single criteria set passed to
        :func:`~citymatch.agreements.review` replaces this class's set only when True (so
        a Friendship agreement is never judged on the economic set by accident).
    """

    criteria: str | None
    min_years: float = 3.0
    max_years: float = 5.0
    economic: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.min_years <= self.max_years:
            raise CitymatchValueError(
                "`min_years` and `max_years` must satisfy 0 < min_years <= max_years; "
                f"got {self.min_years!r} and {self.max_years!r}."
            )


#: The default rules: Partnership and MOU partners on the economic set, Friendship partners
#: on the cultural and community set (recommendation 3), International Projects on their KPIs
#: alone (the shipped ``project`` set scores projects, not partner cities); every class a
#: term of three to five years (best practice 3).
CLASS_RULES: Mapping[str, ClassRules] = MappingProxyType(
    {
        "Partnership": ClassRules("partnership-city", economic=True),
        "Friendship": ClassRules("friendship-city"),
        "MOU": ClassRules("partnership-city", economic=True),
        "International Project": ClassRules(None),
    }
)


@dataclass(frozen=True)
class TermCheck:
    """An agreement's current term against its class's rule.

    Attributes
    ----------
    start, end : date or None
        The current term (after the latest renewal).
    years : float or None
        Its length in years (days / 365.25), None when it cannot be measured.
    verdict : str
        ``ok``, ``too long``, ``too short``, ``open-ended`` (no end: longer than any term),
        ``unknown`` (no start or signing date) or ``no rule`` (a class without rules).
    decision_point : date or None
        When the class's longest term, counted from the start, ends (the decision that a
        too-long term skips).
    reason : str
        One sentence for the review.
    """

    start: date | None
    end: date | None
    years: float | None
    verdict: TermVerdict
    decision_point: date | None
    reason: str

    @property
    def flagged(self) -> bool:
        """The term is longer than the class allows (or open-ended)."""
        return self.verdict in ("too long", "open-ended")


def current_term(a: Agreement) -> tuple[date | None, date | None]:
    """The start and end of the agreement's current term.

    Without renewals: ``start`` (else ``signed``) to ``end``.  After renewals: the previous
    end of term to the latest renewal's new end.
    """
    first = a.start or a.signed
    if not a.renewals:
        return first, a.end
    ends = sorted(r.new_end for r in a.renewals)
    previous = [e for e in (a.end, *ends[:-1]) if e is not None]
    return (max(previous) if previous else first), ends[-1]


def _add_years(d: date, years: float) -> date:
    whole = int(years)
    try:
        shifted = d.replace(year=d.year + whole)
    except ValueError:  # 29 February into a common year
        shifted = d.replace(year=d.year + whole, day=28)
    return date.fromordinal(
        min(shifted.toordinal() + round((years - whole) * 365.25), date.max.toordinal())
    )


def term_check(a: Agreement, rules: ClassRules | None) -> TermCheck:
    """Measure the agreement's current term against its class's rules."""
    start, end = current_term(a)
    if rules is None:
        return TermCheck(start, end, None, "no rule", None, f"no term rule for {a.agreement_class}")
    span = f"{rules.min_years:g}–{rules.max_years:g} years"
    point = None if start is None else _add_years(start, rules.max_years)
    if end is None:
        since = f" (in force since {start})" if start else ""
        return TermCheck(
            start,
            end,
            None,
            "open-ended",
            point,
            f"term open-ended{since}: longer than the {a.agreement_class} term of {span}",
        )
    if start is None:
        return TermCheck(
            start, end, None, "unknown", None, "term length unknown: no start or signing date"
        )
    days = (end - start).days
    years = days / 365.25
    if days > rules.max_years * 365.25 + _SLACK_DAYS:
        return TermCheck(
            start,
            end,
            years,
            "too long",
            point,
            f"term {start} to {end} is {years:.1f} years, longer than the "
            f"{a.agreement_class} term of {span} (decision point {point})",
        )
    if days < rules.min_years * 365.25 - _SLACK_DAYS:
        verdict: TermVerdict = "too short"
        reason = f"term {start} to {end} is {years:.1f} years, shorter than the {span} term"
    else:
        verdict, reason = "ok", f"term {years:.1f} years (within {span})"
    return TermCheck(start, end, years, verdict, point, reason)


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy file (TOML, or JSON by suffix).

    Raises
    ------
    RegisterError
        Unreadable or invalid file; the message names the file and the field.
    """
    where = f"policy file {str(Path(path))!r}"
    data = read_document(path, where=where, error=RegisterError)
    return validate_model(Policy, data, where=where, error=RegisterError)


def class_rules(policy: Policy) -> Mapping[str, ClassRules]:
    """The review's class rules: the policy's classes over :data:`CLASS_RULES`."""
    rules = dict(CLASS_RULES)
    for name, c in policy.classes.items():
        rules[name] = ClassRules(c.criteria, c.min_years, c.max_years, c.economic)
    return MappingProxyType(rules)


def goal_issues(agreements: Iterable[Agreement], policy: Policy) -> list[str]:
    """Objectives that serve no goal of the policy, or name a goal it does not have."""
    known = {g.id for g in policy.goals}
    issues = []
    for a in agreements:
        for o in a.objectives:
            if not o.goals:
                issues.append(f"agreement {a.id!r}, objective {o.id!r}: serves no strategic goal")
            issues.extend(
                f"agreement {a.id!r}, objective {o.id!r}: unknown goal {g!r} "
                f"(the policy's goals: {sorted(known)})"
                for g in o.goals
                if g not in known
            )
    return issues
