"""Projects and portfolio problems (pydantic v2, frozen; JSON and TOML round-trip).

The report's operating rule: two to three time-bound (3–5 year) partnership projects a year,
resourced from a limited program budget (about $900K in 2017), under a cap of ten active
agreements.  A :class:`PortfolioProblem` states that rule for a planning horizon; the solver
in :mod:`citymatch.portfolio` picks the projects and their start years exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ._base import Frozen, require_unique

__all__ = ["DiversityRule", "PortfolioProblem", "Project"]

_ID = r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$"


class Project(Frozen):
    """A time-bound partnership project.

    Attributes
    ----------
    id, title : str
    partners : tuple of str
        Partner ids (candidate cities and/or alternative partners).
    objective, activity, owner : str
        What it is for (grow trade, attract investment, …), what it does (trade mission,
        talent exchange, …) and who is accountable (the City, a trade body, a university, …).
    value : float, optional
        Its value (any consistent scale); may be computed instead (see
        :func:`citymatch.portfolio.score_projects`).
    attributes : mapping of str to float
        Attributes a project criteria set can score (strategic alignment, outcomes, …).
    cost : float or list of float
        Cost per project year (a scalar repeats for every year of its life).
    staff : float or list of float
        Staff (FTE) per project year.
    duration : int
        Years (the report: typically 3–5).
    start : int, optional
        A fixed start year; otherwise ``earliest``/``latest`` bound a window (default: the
        whole horizon).
    mandatory, excluded : bool
    tags : tuple of str
        Labels used by diversity rules (e.g. "alternative-partner").
    region : str, optional
        World region, for "at most N per region" rules.
    goals : tuple of str
        Ids of the policy's strategic goals the project serves (checked against a policy by
        :func:`citymatch.agreements.goal_coverage`; drafts carry them to their objectives).
    """

    id: str = Field(pattern=_ID)
    title: str = ""
    partners: tuple[str, ...] = ()
    objective: str = ""
    activity: str = ""
    owner: str = ""
    value: float | None = Field(default=None, allow_inf_nan=False)
    attributes: dict[str, float] = Field(default_factory=dict)
    cost: float | tuple[float, ...] = 0.0
    staff: float | tuple[float, ...] = 0.0
    duration: int = Field(default=1)
    start: int | None = None
    earliest: int | None = None
    latest: int | None = None
    mandatory: bool = False
    excluded: bool = False
    tags: tuple[str, ...] = ()
    region: str | None = None
    goals: tuple[str, ...] = ()

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: int) -> int:
        if v <= 0:
            raise ValueError(f"duration must be a positive number of years; got {v}")
        return v

    @field_validator("cost", "staff")
    @classmethod
    def _non_negative(cls, v: float | tuple[float, ...]) -> float | tuple[float, ...]:
        values = v if isinstance(v, tuple) else (v,)
        for x in values:
            if not (x >= 0) or x != x or x in (float("inf"),):
                raise ValueError(f"must be finite and ≥ 0; got {x}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Project:
        for name in ("cost", "staff"):
            v = getattr(self, name)
            if isinstance(v, tuple) and len(v) != self.duration:
                raise ValueError(
                    f"{name} lists {len(v)} yearly values but duration is {self.duration} years"
                )
        if self.start is not None and (self.earliest is not None or self.latest is not None):
            raise ValueError(
                "give either a fixed `start` or an `earliest`/`latest` window, not both"
            )
        if self.earliest is not None and self.latest is not None and self.earliest > self.latest:
            raise ValueError(f"earliest start {self.earliest} is after latest start {self.latest}")
        if self.mandatory and self.excluded:
            raise ValueError("a project cannot be both mandatory and excluded")
        if len(set(self.partners)) != len(self.partners):
            raise ValueError(f"partners must be distinct; got {list(self.partners)}")
        return self

    def cost_by_year(self) -> list[float]:
        """Cost in each project year (length = duration)."""
        return (
            list(self.cost) if isinstance(self.cost, tuple) else [float(self.cost)] * self.duration
        )

    def staff_by_year(self) -> list[float]:
        """Staff (FTE) in each project year (length = duration)."""
        return (
            list(self.staff)
            if isinstance(self.staff, tuple)
            else [float(self.staff)] * self.duration
        )


class DiversityRule(Frozen):
    """A rule on how many selected projects share a tag or a region.

    ``scope``: ``"total"`` counts selected projects over the plan, ``"starts"`` new starts in
    each year, ``"active"`` active projects in each year.  With ``tag`` the rule counts the
    projects carrying that tag; with ``group_by="region"`` it applies to each region
    separately (e.g. at most 2 per region).
    """

    id: str = Field(pattern=_ID)
    description: str = ""
    tag: str | None = None
    group_by: Literal["region"] | None = None
    scope: Literal["total", "starts", "active"] = "total"
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> DiversityRule:
        if (self.tag is None) == (self.group_by is None):
            raise ValueError("a diversity rule needs exactly one of `tag` or `group_by`")
        if self.min is None and self.max is None:
            raise ValueError("a diversity rule needs `min` or `max`")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class PortfolioProblem(Frozen):
    """Choose projects and start years over a planning horizon.

    Attributes
    ----------
    start_year, years : int
        The horizon: ``start_year … start_year + years − 1``.
    budget, staff : float, list or None
        Per-year limits (a scalar applies to every year; None = no limit).
    new_per_year_min, new_per_year_max : int or None
        New projects started each year (the report: two to three; default 2–3; None = no
        bound).
    agreement_cap : int or None
        Cap on active agreements (the 2005 program: ten): distinct partners with an active
        project plus ``existing_agreements`` that stay active, in every year.
    existing_agreements : mapping partner → last active year (or None = all horizon)
        Agreements already in force.  A project with such a partner adds no agreement.  If
        they already fill the cap, no project with a new partner can start.
    cap_exempt : tuple of str
        Partners that need no City agreement (e.g. alternative partners working with
        Toronto institutions); they do not count toward the cap.
    value_criteria : str, optional
        A criteria set (shipped name or path) that computes missing project values from
        their ``attributes`` (see :func:`citymatch.portfolio.score_projects`).
    dependencies : mapping project → list of projects it requires
        ``{"B": ["A"]}``: B can be selected only if A is.
    exclusive : list of lists
        Groups of which at most one project may be selected.
    one_project_per_partner : bool
        At most one active project per partner in any year.
    discount_rate : float
        Values of projects starting in year y are discounted by ``(1 + r)^-(y − start_year)``.
    must_finish : bool
        Projects must end within the horizon (default False: later years are not budgeted).
    rules : list of DiversityRule
    """

    name: str = "portfolio"
    start_year: int
    years: int = Field(ge=1, le=50)
    budget: float | tuple[float, ...] | None = None
    staff: float | tuple[float, ...] | None = None
    new_per_year_min: int | None = Field(default=2, ge=0)
    new_per_year_max: int | None = Field(default=3, ge=0)
    agreement_cap: int | None = Field(default=None, ge=0)
    existing_agreements: dict[str, int | None] = Field(default_factory=dict)
    cap_exempt: tuple[str, ...] = ()
    value_criteria: str | None = None
    dependencies: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    exclusive: tuple[tuple[str, ...], ...] = ()
    one_project_per_partner: bool = False
    discount_rate: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    must_finish: bool = False
    rules: tuple[DiversityRule, ...] = ()
    projects: tuple[Project, ...] = Field(min_length=1)

    @field_validator("budget", "staff")
    @classmethod
    def _limits(cls, v: float | tuple[float, ...] | None) -> float | tuple[float, ...] | None:
        if v is None:
            return v
        for x in v if isinstance(v, tuple) else (v,):
            if not (x >= 0) or x == float("inf"):
                raise ValueError(f"must be finite and ≥ 0; got {x}")
        return v

    @model_validator(mode="after")
    def _check(self) -> PortfolioProblem:
        ids = [p.id for p in self.projects]
        require_unique(ids, "project ids")
        known = set(ids)
        for name in ("budget", "staff"):
            v = getattr(self, name)
            if isinstance(v, tuple) and len(v) != self.years:
                raise ValueError(
                    f"{name} lists {len(v)} yearly values but the horizon is {self.years} years"
                )
        lo, hi = self.new_per_year_min, self.new_per_year_max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"new_per_year_min {lo} is greater than new_per_year_max {hi}")
        first, last = self.start_year, self.start_year + self.years - 1
        for p in self.projects:
            for label, year in (("start", p.start), ("earliest", p.earliest), ("latest", p.latest)):
                if year is not None and not first <= year <= last:
                    raise ValueError(
                        f"project {p.id!r}: {label} year {year} is outside the horizon {first}–{last}"
                    )
            if self.must_finish:
                e = (
                    p.start
                    if p.start is not None
                    else (p.earliest if p.earliest is not None else first)
                )
                if e + p.duration - 1 > last:
                    raise ValueError(
                        f"project {p.id!r} cannot finish within the horizon ({p.duration} years from {e} "
                        f"ends after {last}) and must_finish is set"
                    )
        for b, reqs in self.dependencies.items():
            for r in (b, *reqs):
                if r not in known:
                    raise ValueError(f"dependency names an unknown project {r!r}")
        self._check_cycles()
        for group in self.exclusive:
            for r in group:
                if r not in known:
                    raise ValueError(f"exclusive group names an unknown project {r!r}")
        return self

    def _check_cycles(self) -> None:
        """Depth-first search with an explicit stack (no recursion: chains of any length)."""
        graph = {k: list(v) for k, v in self.dependencies.items()}
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for root in graph:
            if state.get(root):
                continue
            path = [root]
            state[root] = 1
            todo = [iter(graph.get(root, []))]
            while todo:
                nxt = next(todo[-1], None)
                if nxt is None:  # every requirement of path[-1] explored
                    state[path.pop()] = 2
                    todo.pop()
                elif state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    raise ValueError(f"dependencies form a cycle: {' → '.join(cycle)}")
                elif not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    todo.append(iter(graph.get(nxt, [])))

    # ---- derived -------------------------------------------------------------------------
    @property
    def horizon(self) -> list[int]:
        """The planning years."""
        return list(range(self.start_year, self.start_year + self.years))

    def limit(self, name: Literal["budget", "staff"]) -> list[float] | None:
        """Per-year budget or staff limit (None = no limit)."""
        v = getattr(self, name)
        if v is None:
            return None
        return list(v) if isinstance(v, tuple) else [float(v)] * self.years

    def start_years(self, p: Project) -> list[int]:
        """Allowed start years of a project within the horizon."""
        if p.excluded:
            return []
        first, last = self.start_year, self.start_year + self.years - 1
        if p.start is not None:
            years = [p.start]
        else:
            years = list(
                range(
                    p.earliest if p.earliest is not None else first,
                    (p.latest if p.latest is not None else last) + 1,
                )
            )
        if self.must_finish:
            years = [y for y in years if y + p.duration - 1 <= last]
        return years

    def with_budget(self, budget: float | list[float]) -> PortfolioProblem:
        """A copy with another budget (scalar or per year)."""
        data = self.model_dump()
        data["budget"] = budget
        return PortfolioProblem.model_validate(data)

    def with_values(self, values: Mapping[str, float]) -> PortfolioProblem:
        """A copy with project values replaced (id → value)."""
        data = self.model_dump()
        for p in data["projects"]:
            if p["id"] in values:
                p["value"] = float(values[p["id"]])
        return PortfolioProblem.model_validate(data)

    def to_json(self) -> str:
        """JSON text (round-trips through ``PortfolioProblem.model_validate_json``)."""
        return self.model_dump_json(indent=2)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the problem format."""
        return cls.model_json_schema()
