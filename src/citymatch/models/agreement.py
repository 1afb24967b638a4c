"""Agreements, SMART objectives, KPIs and measurements (pydantic v2, frozen).

The report's recommendations 6–9: detailed SMART objectives, fixed 3–5 year terms with a
decision point, annual activity summaries and publication, and a review that renews, sunsets
or reclassifies agreements.  :meth:`Objective.smart_issues` reports *every* way an objective
falls short of SMART as data an analyst can fix, and :meth:`Agreement.smart_issues` adds what
the agreement as a whole still lacks (a responsibility for every partner).

SMART, complete (best practice 4: required resources, partner responsibilities, duration,
rigorous reporting): besides the owner, budget, staff and end date, an objective carries
``responsibilities`` (what each party does), ``milestones`` (dated), ``reporting`` (the dates
progress is reported) and ``resources`` (budget and staff per year).  All are optional, so
older register files still load; the validator lists each one still to fill in.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Literal, TypedDict

from pydantic import Field, field_validator, model_validator

from ._base import Frozen

__all__ = [
    "KPI",
    "Agreement",
    "ClassPolicy",
    "Endorsement",
    "Goal",
    "KPIProgress",
    "Measurement",
    "Milestone",
    "Objective",
    "Policy",
    "Proposal",
    "Renewal",
    "Resource",
    "Responsibility",
    "Spending",
]

_ID = r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$"

#: What an objective is for: economic objectives make a Partnership, cultural ones a Friendship.
ObjectiveKind = Literal["economic", "cultural", "policy", "other"]


class KPI(Frozen):
    """A key performance indicator: metric, unit, baseline, target, due date."""

    metric: str
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    due: date | None = None

    def progress(self, actual: float | None) -> float | None:
        """Share of the way from baseline to target (1 = met; may exceed 1 or be negative)."""
        if actual is None or self.target is None:
            return None
        base = self.baseline if self.baseline is not None else 0.0
        if self.target == base:
            return 1.0 if actual == self.target else 0.0
        return (actual - base) / (self.target - base)


class Responsibility(Frozen):
    """What one party (the city, a partner, a citywide organisation) does for an objective."""

    party: str = Field(min_length=1)
    tasks: tuple[str, ...] = ()


class Milestone(Frozen):
    """A dated step towards an objective; ``done`` records when it was reached."""

    name: str = Field(min_length=1)
    due: date
    done: date | None = None


class Resource(Frozen):
    """Budget and staff committed to an objective in one year."""

    year: int = Field(ge=1900, le=2200)
    budget: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    staff: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class Objective(Frozen):
    """A SMART objective.

    Specific (objective + activity), Measurable (KPIs), Assignable (owner, responsibilities
    per party), Resourced (budget or staff, and resources per year), Time-bound (end date,
    dated milestones, reporting dates).
    """

    id: str = Field(pattern=_ID)
    objective: str = ""
    activity: str = ""
    kind: ObjectiveKind = "other"
    kpis: tuple[KPI, ...] = ()
    owner: str = ""
    budget: float | None = Field(default=None, ge=0)
    staff: float | None = Field(default=None, ge=0)
    end: date | None = None
    responsibilities: tuple[Responsibility, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    reporting: tuple[date, ...] = ()
    resources: tuple[Resource, ...] = ()
    goals: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _distinct_parts(self) -> Objective:
        parties = [r.party for r in self.responsibilities]
        if len(set(parties)) != len(parties):
            raise ValueError(f"responsibility parties must be distinct; got {parties}")
        years = [r.year for r in self.resources]
        if len(set(years)) != len(years):
            raise ValueError(f"resource years must be distinct; got {years}")
        return self

    def smart_issues(self) -> list[str]:
        """Every way this objective fails SMART, as sentences (empty when it is SMART)."""
        issues = self._core_issues()
        issues.extend(self._detail_issues())
        return issues

    def _core_issues(self) -> list[str]:
        issues = []
        if not self.objective.strip():
            issues.append(f"objective {self.id!r}: not specific — no objective text")
        if not self.activity.strip():
            issues.append(f"objective {self.id!r}: not specific — no activity")
        if not self.kpis:
            issues.append(f"objective {self.id!r}: not measurable — no KPI")
        for k in self.kpis:
            if not k.unit.strip():
                issues.append(f"objective {self.id!r}: KPI {k.metric!r} has no unit")
            if k.baseline is None:
                issues.append(f"objective {self.id!r}: KPI {k.metric!r} has no baseline")
            if k.target is None:
                issues.append(f"objective {self.id!r}: KPI {k.metric!r} has no target")
            if k.due is None:
                issues.append(f"objective {self.id!r}: KPI {k.metric!r} has no due date")
        if not self.owner.strip():
            issues.append(f"objective {self.id!r}: not assignable — no owner")
        if self.budget is None and self.staff is None:
            issues.append(f"objective {self.id!r}: not resourced — no budget or staff")
        if self.end is None:
            issues.append(f"objective {self.id!r}: not time-bound — no end date")
        return issues

    def _detail_issues(self) -> list[str]:
        """The complete-SMART details: responsibilities, milestones, reporting, resources."""
        me = f"objective {self.id!r}"
        issues = []
        if not self.responsibilities:
            issues.append(f"{me}: not assignable — no responsibilities per party")
        issues.extend(
            f"{me}: responsibility of {r.party!r} lists no tasks"
            for r in self.responsibilities
            if not any(t.strip() for t in r.tasks)
        )
        if not self.milestones:
            issues.append(f"{me}: not time-bound — no milestones with dates")
        if self.end is not None:
            issues.extend(
                f"{me}: milestone {m.name!r} is due {m.due}, after the end {self.end}"
                for m in self.milestones
                if m.due > self.end
            )
        if not self.reporting:
            issues.append(f"{me}: no reporting dates")
        if not self.resources:
            issues.append(f"{me}: not resourced — no budget and staff per year")
        issues.extend(
            f"{me}: resources for {r.year} name no budget or staff"
            for r in self.resources
            if r.budget is None and r.staff is None
        )
        return issues

    @property
    def is_smart(self) -> bool:
        """True when :meth:`smart_issues` is empty."""
        return not self.smart_issues()


class Measurement(Frozen):
    """An actual value of one KPI for one reporting period (a year)."""

    objective: str
    metric: str
    period: int
    value: float = Field(allow_inf_nan=False)


class Renewal(Frozen):
    """A renewal: when it was decided and the new end of term."""

    decided: date
    new_end: date


class Spending(Frozen):
    """Budget planned and spent in one year."""

    year: int
    planned: float = Field(default=0.0, ge=0)
    spent: float = Field(default=0.0, ge=0)


Status = Literal["pending", "active", "expiring", "expired", "sunset", "historical"]


class KPIProgress(TypedDict):
    """One row of :meth:`Agreement.kpi_progress`: a KPI and its latest measured progress."""

    objective: str
    metric: str
    unit: str
    baseline: float | None
    target: float | None
    actual: float | None
    period: int | None
    progress: float | None


class Agreement(Frozen):
    """An international agreement of the city.

    ``agreement_class`` is one of the register's classes (Partnership, Friendship, MOU,
    International Project by default).  ``status`` records decisions (``sunset``,
    ``historical``); ``pending`` (its term has not started), ``active``/``expiring``/``expired``
    are derived from the term as of a date by :meth:`status_on`.
    """

    id: str = Field(pattern=_ID)
    partners: tuple[str, ...] = Field(min_length=1)
    agreement_class: str = Field(alias="class")
    signed: date | None = None
    start: date | None = None
    end: date | None = None
    renewals: tuple[Renewal, ...] = ()
    status: Status | None = None
    objectives: tuple[Objective, ...] = ()
    projects: tuple[str, ...] = ()
    owner: str = ""
    budget: float | None = Field(default=None, ge=0)
    spending: tuple[Spending, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    illustrative: bool = False
    source: str = ""

    model_config = Frozen.model_config | {"populate_by_name": True, "serialize_by_alias": True}

    @field_validator("partners")
    @classmethod
    def _distinct(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError(f"partners must be distinct; got {list(v)}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Agreement:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        ids = [o.id for o in self.objectives]
        if len(set(ids)) != len(ids):
            raise ValueError(f"objective ids must be unique; got {ids}")
        known = {(o.id, k.metric) for o in self.objectives for k in o.kpis}
        for m in self.measurements:
            if (m.objective, m.metric) not in known:
                raise ValueError(
                    f"measurement for unknown KPI {m.metric!r} of objective {m.objective!r}"
                )
        return self

    def smart_issues(self) -> list[str]:
        """What is still to fill in, as sentences (empty when the agreement is SMART).

        Every objective's SMART issues, no objectives at all, and every partner without a
        responsibility in any objective (responsibilities per party).
        """
        if not self.objectives:
            return [f"agreement {self.id!r}: no objectives"]
        issues = [i for o in self.objectives for i in o.smart_issues()]
        named = {r.party for o in self.objectives for r in o.responsibilities}
        issues.extend(
            f"agreement {self.id!r}: partner {p!r} has no responsibility in any objective"
            for p in self.partners
            if p not in named
        )
        return issues

    @property
    def is_smart(self) -> bool:
        """True when :meth:`smart_issues` is empty."""
        return not self.smart_issues()

    @property
    def current_end(self) -> date | None:
        """End of term after the latest renewal."""
        if self.renewals:
            return max(r.new_end for r in self.renewals)
        return self.end

    def status_on(self, as_of: date, *, expiring_months: int = 12) -> Status:
        """Status on a date: recorded sunset/historical, else from the term.

        ``pending`` before its start (a draft or a signed agreement not yet in force: it
        counts neither as a current partnership nor against the cap), then active, expiring
        (within ``expiring_months`` of its end) or expired.
        """
        if self.status in ("sunset", "historical"):
            return self.status
        if self.start is not None and self.start > as_of:
            return "pending"
        end = self.current_end
        if end is None:
            return "active"
        if end < as_of:
            return "expired"
        if end <= _add_months(as_of, expiring_months):
            return "expiring"
        return "active"

    def kpi_progress(self, *, until: int | None = None) -> list[KPIProgress]:
        """Latest measured progress of every KPI (None where not measured or no target).

        Parameters
        ----------
        until : int, optional
            Only measurements of this period (year) or earlier count; default all.
        """
        rows: list[KPIProgress] = []
        for o in self.objectives:
            for k in o.kpis:
                ms = [
                    m
                    for m in self.measurements
                    if m.objective == o.id
                    and m.metric == k.metric
                    and (until is None or m.period <= until)
                ]
                last = max(ms, key=lambda m: m.period) if ms else None
                actual = last.value if last else None
                rows.append(
                    KPIProgress(
                        objective=o.id,
                        metric=k.metric,
                        unit=k.unit,
                        baseline=k.baseline,
                        target=k.target,
                        actual=actual,
                        period=last.period if last else None,
                        progress=k.progress(actual),
                    )
                )
        return rows


def _add_months(d: date, months: int) -> date:
    """``d`` plus whole months, clamping the day (31 Jan + 1 month → 28/29 Feb).

    Past the calendar's ends (year 9999 / year 1) the result is ``date.max`` / ``date.min``:
    a review window that long covers every representable date.
    """
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


#: Who proposes a partnership (the report's "partnership proposals": city staff, elected
#: officials, partners, citywide organisations).
ProposerKind = Literal["city staff", "elected official", "partner", "organisation"]

#: What is proposed: a global city, an MOU city, or an alternative partner (an organisation).
PartnerKind = Literal["global city", "MOU city", "alternative partner"]


class Endorsement(Frozen):
    """Support for a proposal: who endorses it, in what role, when."""

    by: str = Field(min_length=1)
    role: str = ""
    on: date | None = None


class Proposal(Frozen):
    """A partnership proposal (decision point 1): who proposes which partner for what.

    ``partner`` is the partner's id in the candidate table; ``budget`` and ``staff`` are the
    resources the proposer expects per year.
    """

    id: str = Field(pattern=_ID)
    proposer: str = Field(min_length=1)
    proposer_kind: ProposerKind
    partner: str = Field(pattern=_ID)
    partner_kind: PartnerKind = "global city"
    agreement_class: str = Field(default="Partnership", alias="class")
    objective: str = ""
    kind: ObjectiveKind = "other"
    endorsements: tuple[Endorsement, ...] = ()
    budget: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    staff: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    submitted: date | None = None

    model_config = Frozen.model_config | {"populate_by_name": True, "serialize_by_alias": True}


class Goal(Frozen):
    """A strategic goal of the city that objectives serve (best practice 5)."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    description: str = ""


class ClassPolicy(Frozen):
    """A class's rules in a policy file: its criteria set and its term in years."""

    criteria: str | None = None
    min_years: float = Field(default=3.0, gt=0)
    max_years: float = Field(default=5.0, gt=0)
    economic: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> ClassPolicy:
        if self.min_years > self.max_years:
            raise ValueError(
                f"min_years must not exceed max_years; got {self.min_years} and {self.max_years}"
            )
        return self


class Policy(Frozen):
    """The city's policy framework (best practice 5).

    Strategic goals (which objectives reference by id), the cap on agreements in force, each
    class's criteria set and term, priority sectors and markets.
    """

    format_version: Literal[1] = 1
    name: str = Field(min_length=1)
    goals: tuple[Goal, ...] = ()
    cap: int | None = Field(default=10, ge=0)
    classes: dict[str, ClassPolicy] = Field(default_factory=dict)
    priority_sectors: tuple[str, ...] = ()
    priority_markets: tuple[str, ...] = ()
    source: str = ""

    @field_validator("goals")
    @classmethod
    def _unique_goals(cls, v: tuple[Goal, ...]) -> tuple[Goal, ...]:
        ids = [g.id for g in v]
        if len(set(ids)) != len(ids):
            raise ValueError(f"goal ids must be unique; got {ids}")
        return v
