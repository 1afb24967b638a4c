"""The annual activity summary (recommendation 9): goals, KPI progress, budget, changes.

:func:`annual_report` gathers one year of a register into an immutable
:class:`AnnualReport`, rendered as Markdown or as a self-contained HTML page with inline SVG
bar charts (no external resources).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from .._format import money, percent, value_text
from ..errors import CitymatchValueError
from ..models.agreement import Agreement, Objective, Policy
from .register import Register

__all__ = ["ENGAGED_COLUMNS", "AnnualReport", "annual_report", "svg_bars"]

_COLORS = ("#3b6ea5", "#e39b2d", "#5a9e6f", "#b5515b")

_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;"
    "text-align:left;font-size:.9em}th{background:#f3f3f3}.note{background:#fff6dd;padding:.5em}"
)


def svg_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    unit: str = "",
    width: int = 640,
    fmt: Callable[[float], str] | None = None,
) -> str:
    """A small self-contained SVG grouped bar chart (no external resources).

    One row per label, one bar per series; missing or non-finite values draw no bar.  Each
    bar's figure is ``fmt(value)`` (e.g. :func:`citymatch._format.money`), by default the
    value with thousands separators followed by ``unit``.
    """
    label = fmt or (lambda v: f"{value_text(v)}{unit}")
    n = len(labels)
    row_h = 14 * len(series) + 10
    height = 40 + n * row_h
    finite = [
        float(v) for vals in series.values() for v in vals if v is not None and math.isfinite(v)
    ]
    vmax = max([1e-9, *finite])
    left, right = 180, 60
    scale = (width - left - right) / vmax
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>',
        f'<text x="4" y="16" font-size="13" font-family="sans-serif">{html.escape(title)}</text>',
    ]
    for i, lab in enumerate(labels):
        y0 = 30 + i * row_h
        out.append(
            f'<text x="4" y="{y0 + 11}" font-size="11" font-family="sans-serif">'
            f"{html.escape(str(lab))[:28]}</text>"
        )
        for g, (name, vals) in enumerate(series.items()):
            v = vals[i]
            if v is None or not math.isfinite(v):
                continue
            w = max(0.0, float(v)) * scale
            y = y0 + g * 14
            color = _COLORS[g % len(_COLORS)]
            out.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="12" fill="{color}">'
                f"<title>{html.escape(name)}: {html.escape(label(v))}</title></rect>"
            )
            out.append(
                f'<text x="{left + w + 4:.1f}" y="{y + 10}" font-size="10" '
                f'font-family="sans-serif">{html.escape(label(v))}</text>'
            )
    legend = " ".join(
        f'<tspan fill="{_COLORS[g % len(_COLORS)]}">■</tspan> {html.escape(name)}'
        for g, name in enumerate(series)
    )
    out.append(f'<text x="{left}" y="16" font-size="11" font-family="sans-serif">{legend}</text>')
    out.append("</svg>")
    return "".join(out)


#: Report columns holding money (``$120,000``) and shares (``79%``); other numbers are plain.
_MONEY_COLUMNS = frozenset({"planned", "spent", "variance"})
_SHARE_COLUMNS = frozenset({"progress"})


def _fmt(v: object, column: str = "") -> str:
    """A cell for people: money and shares by their column, missing values empty."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if column in _MONEY_COLUMNS:
        return money(v)
    if column in _SHARE_COLUMNS:
        return percent(v)
    return value_text(v)


def _markdown_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "_none_\n"
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v, c) for v, c in zip(row, cols, strict=True)) + " |")
    return "\n".join(lines) + "\n"


def _html_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p><em>none</em></p>"
    cols = [str(c) for c in df.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_fmt(v, c))}</td>" for v, c in zip(row, cols, strict=True))
        + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True, repr=False, eq=False, init=False)
class AnnualReport:
    """The annual activity summary: goals, activities, KPI progress, budget, agreements changed.

    An immutable value: the tables are copies on every access.

    Attributes
    ----------
    year : int
    goals : DataFrame
        One row per objective: agreement, objective, activity, owner, ends, SMART.
    kpis : DataFrame
        One row per KPI: agreement, metric, unit, baseline, target, actual (the latest
        measurement up to ``year``), progress.
    budget : DataFrame
        Planned and spent in ``year`` per agreement, and the variance.
    changes : DataFrame
        Agreements signed, renewed and sunset in ``year``.
    served : DataFrame
        With a policy: one row per strategic goal and objective serving it in ``year``
        (goal, title, agreement, partners, objective, activity, organisations engaged in
        it, kpi_progress: the mean measured progress of its KPIs); a goal no objective
        serves has one row with empty agreement.  Empty without a policy.
    engaged : DataFrame
        Which citywide organisations were engaged with which partner in ``year``
        (:data:`ENGAGED_COLUMNS`): parties of the objectives' responsibilities other than
        the partners and the city (role ``party``) and alternative partners that are
        partners of an agreement (role ``partner``), with their kind, the activity, the
        goals it serves and their tasks.
    illustrative : bool
        Some of the figures are illustrative (marked in the register).
    """

    year: int
    illustrative: bool
    _goals: pd.DataFrame
    _kpis: pd.DataFrame
    _budget: pd.DataFrame
    _changes: pd.DataFrame
    _served: pd.DataFrame
    _engaged: pd.DataFrame

    def __init__(
        self,
        year: int,
        goals: pd.DataFrame,
        kpis: pd.DataFrame,
        budget: pd.DataFrame,
        changes: pd.DataFrame,
        illustrative: bool,
        served: pd.DataFrame | None = None,
        engaged: pd.DataFrame | None = None,
    ) -> None:
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "illustrative", illustrative)
        object.__setattr__(self, "_goals", goals.copy(deep=True))
        object.__setattr__(self, "_kpis", kpis.copy(deep=True))
        object.__setattr__(self, "_budget", budget.copy(deep=True))
        object.__setattr__(self, "_changes", changes.copy(deep=True))
        object.__setattr__(
            self, "_served", pd.DataFrame() if served is None else served.copy(deep=True)
        )
        object.__setattr__(
            self, "_engaged", pd.DataFrame() if engaged is None else engaged.copy(deep=True)
        )

    @property
    def goals(self) -> pd.DataFrame:
        """Goals and activities (a copy)."""
        return self._goals.copy(deep=True)

    @property
    def kpis(self) -> pd.DataFrame:
        """KPI progress (a copy)."""
        return self._kpis.copy(deep=True)

    @property
    def budget(self) -> pd.DataFrame:
        """Budget planned and spent (a copy)."""
        return self._budget.copy(deep=True)

    @property
    def changes(self) -> pd.DataFrame:
        """Agreements signed, renewed and sunset (a copy)."""
        return self._changes.copy(deep=True)

    @property
    def served(self) -> pd.DataFrame:
        """How the year's objectives serve each strategic goal (a copy)."""
        return self._served.copy(deep=True)

    @property
    def engaged(self) -> pd.DataFrame:
        """Citywide organisations engaged with each partner (a copy)."""
        return self._engaged.copy(deep=True)

    def to_markdown(self) -> str:
        """The report as Markdown."""
        note = (
            "\n> Contains illustrative objectives and figures (marked in the register).\n"
            if self.illustrative
            else ""
        )
        return (
            f"# International partnerships — annual report {self.year}\n{note}\n"
            f"## Goals and activities\n\n{_markdown_table(self._goals)}\n"
            f"## KPI progress\n\n{_markdown_table(self._kpis)}\n"
            f"## Budget: planned and spent\n\n{_markdown_table(self._budget)}\n"
            f"## Agreements signed, renewed and sunset in {self.year}\n\n"
            f"{_markdown_table(self._changes)}"
            + (
                f"\n## Strategic goals served\n\n{_markdown_table(self._served)}"
                if not self._served.empty
                else ""
            )
            + (
                f"\n## Citywide organisations engaged\n\n{_markdown_table(self._engaged)}"
                if not self._engaged.empty
                else ""
            )
        )

    def _kpi_chart(self) -> str:
        if self._kpis.empty:
            return ""
        k = self._kpis.dropna(subset=["progress"])
        if not len(k):
            return ""
        return svg_bars(
            [f"{a}: {m}" for a, m in zip(k["agreement"], k["metric"], strict=True)],
            {"progress toward target": (k["progress"] * 100).tolist()},
            title="KPI progress (% of the way from baseline to target)",
            fmt=lambda v: percent(v / 100),
        )

    def _budget_chart(self) -> str:
        if self._budget.empty:
            return ""
        return svg_bars(
            [str(a) for a in self._budget["agreement"]],
            {"planned": self._budget["planned"].tolist(), "spent": self._budget["spent"].tolist()},
            title=f"Budget {self.year}: planned and spent",
            fmt=money,
        )

    def to_html(self) -> str:
        """A self-contained HTML page (inline CSS and SVG charts, no external resources)."""
        note = (
            "<p class=note>Contains illustrative objectives and figures (marked in the register).</p>"
            if self.illustrative
            else ""
        )
        title = f"International partnerships — annual report {self.year}"
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{title}</h1>{note}"
            f"<h2>Goals and activities</h2>{_html_table(self._goals)}"
            f"<h2>KPI progress</h2>{self._kpi_chart()}{_html_table(self._kpis)}"
            f"<h2>Budget: planned and spent</h2>{self._budget_chart()}{_html_table(self._budget)}"
            f"<h2>Agreements signed, renewed and sunset in {self.year}</h2>"
            f"{_html_table(self._changes)}"
            + (
                f"<h2>Strategic goals served</h2>{_html_table(self._served)}"
                if not self._served.empty
                else ""
            )
            + (
                f"<h2>Citywide organisations engaged</h2>{_html_table(self._engaged)}"
                if not self._engaged.empty
                else ""
            )
            + "</body></html>\n"
        )

    def __repr__(self) -> str:
        return (
            f"AnnualReport({self.year}: {len(self._goals)} objectives, {len(self._kpis)} KPIs, "
            f"{len(self._changes)} agreement changes)"
        )

    def _repr_html_(self) -> str:
        return self.to_markdown().replace("\n", "<br>")


def _in_report(a: Agreement, year: int) -> bool:
    """In force during ``year`` or signed in it, and not historical."""
    if a.status_on(date(year, 12, 31)) == "historical":
        return False
    in_year = (a.start is None or a.start.year <= year) and (
        a.current_end is None or a.current_end.year >= year
    )
    return in_year or (a.signed is not None and a.signed.year == year)


def _changes(a: Agreement, year: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if a.signed and a.signed.year == year:
        out.append({"agreement": a.id, "change": "signed", "date": a.signed})
    for r in a.renewals:
        if r.decided.year == year:
            out.append({"agreement": a.id, "change": f"renewed to {r.new_end}", "date": r.decided})
    if a.status == "sunset" and a.current_end and a.current_end.year == year:
        out.append({"agreement": a.id, "change": "sunset", "date": a.current_end})
    return out


def _progress(a: Agreement, year: int) -> dict[str, float]:
    """Mean measured KPI progress of each objective of ``a`` up to ``year``."""
    per: dict[str, list[float]] = {}
    for p in a.kpi_progress(until=year):
        if p["progress"] is not None:
            per.setdefault(p["objective"], []).append(p["progress"])
    return {o: sum(v) / len(v) for o, v in per.items()}


def _others(a: Agreement, o: Objective, city: str) -> list[str]:
    """The parties of an objective other than the agreement's partners and the city."""
    return [r.party for r in o.responsibilities if r.party not in a.partners and r.party != city]


_SERVED = ("goal", "title", "agreement", "partners", "objective", "activity", "organisations")


def _served(in_year: list[Agreement], policy: Policy, year: int, city: str) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    progress = {a.id: _progress(a, year) for a in in_year}
    for g in policy.goals:
        mine = [
            {
                "goal": g.id,
                "title": g.title,
                "agreement": a.id,
                "partners": ", ".join(a.partners),
                "objective": o.objective,
                "activity": o.activity,
                "organisations": ", ".join(_others(a, o, city)),
                "kpi_progress": progress[a.id].get(o.id),
            }
            for a in in_year
            for o in a.objectives
            if g.id in o.goals
        ]
        blank = dict.fromkeys(_SERVED[2:], "")
        rows.extend(mine or [{"goal": g.id, "title": g.title, **blank, "kpi_progress": None}])
    return pd.DataFrame(rows, columns=[*_SERVED, "kpi_progress"])


#: The columns of :attr:`AnnualReport.engaged`.
ENGAGED_COLUMNS = (
    "partner",
    "organisation",
    "kind",
    "role",
    "agreement",
    "activity",
    "goals",
    "tasks",
)


def _organisation_index(organisations: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    """Organisation id → (kind, metro id) from a table with ``id`` (``kind``, ``city_id``)."""
    if organisations is None:
        return {}
    if "id" not in organisations.columns:
        raise CitymatchValueError(
            "`organisations` must be a table with an `id` column (and `kind`, `city_id`, as "
            "in examples/data/organisations.csv); got columns "
            f"{list(map(str, organisations.columns))[:8]}."
        )
    blank = pd.Series([""] * len(organisations), index=organisations.index)
    kind, metro = (
        organisations[c].fillna("").astype(str) if c in organisations.columns else blank
        for c in ("kind", "city_id")
    )
    return {str(i): (k, m) for i, k, m in zip(organisations["id"], kind, metro, strict=True)}


def _engaged_row(
    partner: str, organisation: str, role: str, a: Agreement, objectives: Sequence[Objective]
) -> dict[str, Any]:
    return {
        "partner": partner,
        "organisation": organisation,
        "role": role,
        "agreement": a.id,
        "activity": "; ".join(o.activity for o in objectives),
        "goals": ", ".join(dict.fromkeys(g for o in objectives for g in o.goals)),
        "tasks": "; ".join(
            t
            for o in objectives
            for r in o.responsibilities
            if r.party == organisation
            for t in r.tasks
        ),
    }


def _engaged(
    in_year: list[Agreement], city: str, orgs: Mapping[str, tuple[str, str]]
) -> pd.DataFrame:
    """Citywide organisations engaged with each partner.

    The parties of each objective other than the partners and the city (role ``party``),
    and alternative partners (ids of ``orgs``) that are partners of an agreement (role
    ``partner``), engaged with the agreement's other partners or else their own metro.
    """
    rows: list[dict[str, Any]] = []
    for a in in_year:
        for o in a.objectives:
            rows.extend(
                _engaged_row(q, party, "party", a, (o,))
                for party in _others(a, o, city)
                for q in a.partners
            )
        cities = [q for q in a.partners if q not in orgs]
        for p in (q for q in a.partners if q in orgs):
            rows.extend(
                _engaged_row(q, p, "partner", a, a.objectives) for q in cities or [orgs[p][1] or p]
            )
    for r in rows:
        r["kind"] = orgs.get(r["organisation"], ("", ""))[0]
    return pd.DataFrame(rows, columns=list(ENGAGED_COLUMNS))


def annual_report(
    register: Register,
    year: int,
    *,
    policy: Policy | None = None,
    city: str = "toronto",
    organisations: pd.DataFrame | None = None,
) -> AnnualReport:
    """The annual activity summary of the report's recommendation 9 for one year.

    With a ``policy`` the report also shows how the year's objectives serve each strategic
    goal (:attr:`AnnualReport.served`: partners, activity, organisations engaged and KPI
    progress per objective).  It always lists the citywide organisations engaged with each
    partner (:attr:`AnnualReport.engaged`, the report's "coordinate citywide activities"):
    the objectives' parties other than the partners and ``city``, and alternative partners
    that are partners of an agreement in force.

    Parameters
    ----------
    organisations : DataFrame, optional
        The alternative partners (``id``, ``kind``, ``city_id``; e.g.
        :func:`citymatch.datasets.load_organisations`): their kind (university, incubator,
        airport_port, industry_org, museum_library) is reported, and an agreement with one
        of them is listed as that organisation engaged with its metro.

    Raises
    ------
    CitymatchValueError
        ``year`` is not a calendar year (an integer from 1900 to 2200), or
        ``organisations`` has no ``id`` column.
    """
    if not isinstance(year, int) or not 1900 <= year <= 2200:
        raise CitymatchValueError(f"`year` must be a calendar year; got {year!r}.")
    orgs = _organisation_index(organisations)
    goals: list[dict[str, Any]] = []
    kpis: list[dict[str, Any]] = []
    budget: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    illustrative = False
    in_year = [a for a in register if _in_report(a, year)]
    for a in in_year:
        illustrative = illustrative or a.illustrative
        goals.extend(
            {
                "agreement": a.id,
                "objective": o.objective,
                "activity": o.activity,
                "owner": o.owner,
                "ends": o.end,
                "SMART": "yes" if o.is_smart else "no",
            }
            for o in a.objectives
        )
        kpis.extend(
            {
                "agreement": a.id,
                "metric": p["metric"],
                "unit": p["unit"],
                "baseline": p["baseline"],
                "target": p["target"],
                "actual": p["actual"],
                "progress": p["progress"],
            }
            for p in a.kpi_progress(until=year)
        )
        budget.extend(
            {
                "agreement": a.id,
                "planned": s.planned,
                "spent": s.spent,
                "variance": s.spent - s.planned,
            }
            for s in a.spending
            if s.year == year
        )
        changes.extend(_changes(a, year))
    return AnnualReport(
        year,
        pd.DataFrame(goals),
        pd.DataFrame(kpis),
        pd.DataFrame(budget),
        pd.DataFrame(changes),
        illustrative,
        _served(in_year, policy, year, city) if policy is not None else None,
        _engaged(in_year, city, orgs),
    )
