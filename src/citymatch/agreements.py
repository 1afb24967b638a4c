"""The agreement register: load, edit safely, review (renew / sunset / reclassify), report.

A register is a folder with one TOML file per agreement — human-editable and version
controllable.  :func:`load_register` validates the whole folder (errors name the file and
the field); :meth:`Register.save` writes atomically (temporary file + rename) and refuses to
overwrite a file changed since it was read.  :func:`review` applies the report's review
(recommendation 4): renew, sunset, reclassify MOUs into Partnership or Friendship agreements
(recommendation 3), or ask for SMART objectives (recommendation 6).  :func:`annual_report`
writes the annual activity summary (recommendation 9) as Markdown or a self-contained HTML page.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ._display import html_table
from .errors import (
    CitymatchValueError,
    ConcurrentModificationError,
    RegisterError,
)
from .models._base import format_validation_error
from .models.agreement import Agreement

__all__ = [
    "AnnualReport",
    "ConcurrentModificationError",
    "Register",
    "RegisterError",
    "Review",
    "annual_report",
    "escape_cell",
    "export_table",
    "import_table",
    "load_register",
    "review",
]

DEFAULT_CLASSES = ("Partnership", "Friendship", "MOU", "International Project")


# --------------------------------------------------------------------------- TOML in and out
def _to_toml(agreement: Agreement) -> str:
    import tomli_w

    data = agreement.model_dump(mode="python", by_alias=True, exclude_none=True)
    data = {k: v for k, v in data.items() if v not in ((), [], "", {})}
    header = "# citymatch agreement — one file per agreement; edit and commit like code.\n" + (
        "# ILLUSTRATIVE: objectives, KPIs and figures are examples, not City data.\n"
        if agreement.illustrative
        else ""
    )
    return header + tomli_w.dumps(data)


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class Register:
    """Agreements keyed by id, with the files they came from.

    Attributes
    ----------
    folder : Path
    agreements : dict of id → Agreement
    classes : tuple of str
        Allowed agreement classes.
    """

    folder: Path
    agreements: dict[str, Agreement]
    classes: tuple[str, ...] = DEFAULT_CLASSES
    _files: dict[str, Path] = field(default_factory=dict, repr=False)
    _digests: dict[str, str] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[Agreement]:
        return iter(self.agreements.values())

    def __len__(self) -> int:
        return len(self.agreements)

    def __getitem__(self, key: str) -> Agreement:
        return self.agreements[key]

    def path_of(self, agreement_id: str) -> Path:
        """The file of an agreement (new agreements get ``<id>.toml``)."""
        return self._files.get(agreement_id, self.folder / f"{agreement_id}.toml")

    def save(self, agreement: Agreement) -> Path:
        """Write one agreement atomically; refuse if its file changed since it was read.

        Raises
        ------
        ConcurrentModificationError
            The file on disk differs from what was loaded (someone else edited it).
        RegisterError
            The class is not one of the register's classes.
        """
        if agreement.agreement_class not in self.classes:
            raise RegisterError(
                f"agreement {agreement.id!r}: class must be one of {list(self.classes)}; got {agreement.agreement_class!r}."
            )
        path = self.path_of(agreement.id)
        expected = self._digests.get(agreement.id)
        if path.exists():
            now = _digest(path.read_bytes())
            if expected is None or now != expected:
                raise ConcurrentModificationError(
                    f"register file {str(path)!r} changed since it was read (or was never read); "
                    "reload the register and apply the change again."
                )
        elif expected is not None:
            raise ConcurrentModificationError(
                f"register file {str(path)!r} was deleted since it was read."
            )
        text = _to_toml(agreement)
        _atomic_write(path, text)
        self._files[agreement.id] = path
        self._digests[agreement.id] = _digest(text.encode("utf-8"))
        self.agreements[agreement.id] = agreement
        return path

    def to_frame(self, as_of: date | None = None) -> pd.DataFrame:
        """One row per agreement (id, partners, class, dates, status, objectives, SMART)."""
        as_of = as_of or date.today()
        rows = []
        for a in self:
            rows.append(
                {
                    "id": a.id,
                    "partners": " ".join(a.partners),
                    "class": a.agreement_class,
                    "signed": a.signed,
                    "start": a.start,
                    "end": a.current_end,
                    "status": a.status_on(as_of),
                    "owner": a.owner,
                    "budget": a.budget,
                    "objectives": len(a.objectives),
                    "smart": all(o.is_smart for o in a.objectives) if a.objectives else False,
                    "illustrative": a.illustrative,
                }
            )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), f"Register {self.folder} · {len(self)} agreements", 30)


def _atomic_write(path: Path, text: str, *, _fail_after: int | None = None) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if _fail_after is not None:  # test hook: simulate a crash mid-write
                fh.write(text[:_fail_after])
                raise OSError("simulated interruption")
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_register(folder: str | Path, *, classes: Sequence[str] = DEFAULT_CLASSES) -> Register:
    """Load and validate every ``*.toml`` agreement in a folder.

    Raises
    ------
    RegisterError
        Missing folder, invalid TOML, a field that breaks a rule, an unknown class or a
        duplicate id — the message names the file and the field.  Nothing is written.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RegisterError(f"register folder {str(root)!r} does not exist.")
    agreements: dict[str, Agreement] = {}
    files: dict[str, Path] = {}
    digests: dict[str, str] = {}
    for path in sorted(root.glob("*.toml")):
        raw = path.read_bytes()
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RegisterError(f"register file {str(path)!r} is not valid TOML: {exc}.") from exc
        try:
            a = Agreement.model_validate(data)
        except ValidationError as exc:
            raise RegisterError(
                format_validation_error(exc, f"register file {str(path)!r}")
            ) from exc
        if a.agreement_class not in classes:
            raise RegisterError(
                f"register file {str(path)!r}: class must be one of {list(classes)}; got {a.agreement_class!r}."
            )
        if a.id in agreements:
            raise RegisterError(
                f"register file {str(path)!r}: id {a.id!r} is already used by {str(files[a.id])!r}."
            )
        agreements[a.id] = a
        files[a.id] = path
        digests[a.id] = _digest(raw)
    return Register(root, agreements, tuple(classes), files, digests)


# --------------------------------------------------------------------------- spreadsheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: prefix ``'`` to text starting with = + - @ (or tab/CR)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_table(register: Register, path: str | Path, *, as_of: date | None = None) -> Path:
    """Write the register as CSV or XLSX (by suffix), cells escaped against formula injection.

    The file is written atomically; an error leaves no partial file.
    """
    target = Path(path)
    frame = register.to_frame(as_of).map(escape_cell)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        frame.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
        _atomic_write(target, buf.getvalue())
        return target
    if suffix == ".xlsx":
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:
            raise RegisterError(
                "writing XLSX needs openpyxl: pip install 'citymatch[excel]'."
            ) from exc
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".xlsx")
        os.close(fd)
        try:
            frame.to_excel(tmp, index=False)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
    raise RegisterError(f"export file {str(target)!r} must end in .csv or .xlsx; got {suffix!r}.")


def import_table(path: str | Path) -> list[Agreement]:
    """Agreements from a CSV/XLSX table (the inverse of :func:`export_table`).

    Columns: id, partners (space-separated), class, and optional signed, start, end, owner,
    budget.  Rows are validated; errors name the file and the row.
    """
    from .io import read_table

    frame = read_table(path, name="agreements")
    out = []
    for n, row in enumerate(frame.to_dict("records")):
        data: dict[str, Any] = {
            "id": row.get("id"),
            "class": row.get("class"),
            "partners": tuple(str(row.get("partners", "")).split()),
        }
        for key in ("signed", "start", "end"):
            v = row.get(key)
            if isinstance(v, str) and v:
                data[key] = v
            elif isinstance(v, (date, pd.Timestamp)):
                data[key] = pd.Timestamp(v).date()
        for key in ("owner",):
            if isinstance(row.get(key), str) and row[key]:
                data[key] = str(row[key]).lstrip("'")
        if row.get("budget") is not None and not (
            isinstance(row["budget"], float) and np.isnan(row["budget"])
        ):
            data["budget"] = row["budget"]
        try:
            out.append(Agreement.model_validate(data))
        except ValidationError as exc:
            raise RegisterError(
                format_validation_error(exc, f"agreements file {str(path)!r}, row {n}")
            ) from exc
    return out


# --------------------------------------------------------------------------- review
@dataclass(frozen=True, repr=False, eq=False)
class Review:
    """Recommendations for every agreement.

    Attributes
    ----------
    table : DataFrame
        ``id``, ``class``, ``status``, ``recommendation`` (renew, sunset, reclassify,
        needs-objectives, continue), ``new_class`` (for reclassify), ``kpi_progress`` (mean),
        ``partner_rank``, and ``reasons`` (all the reasons, "; "-joined).
    as_of : date
    active : int
        Agreements in force on ``as_of``.
    cap : int or None
    """

    table: pd.DataFrame
    as_of: date
    active: int
    cap: int | None

    def to_frame(self) -> pd.DataFrame:
        """The recommendation table (a copy)."""
        return self.table.copy()

    def __repr__(self) -> str:
        counts = self.table["recommendation"].value_counts().to_dict()
        cap = f", cap {self.cap}" if self.cap is not None else ""
        return f"Review(as of {self.as_of}: {self.active} active{cap}; {counts})"

    def _repr_html_(self) -> str:
        return html_table(self.table, repr(self), max_rows=60)


def _partner_ranks(criteria: Any, candidates: Any) -> dict[str, tuple[int, int]]:
    if criteria is None or candidates is None:
        return {}
    from .rank import rank

    r = rank(candidates, criteria, screening=False, missing="worst").to_frame()
    n = len(r)
    return {str(i): (int(k), n) for i, k in zip(r["id"], r["rank"], strict=True)}


def review(
    register: Register,
    criteria: Any = None,
    candidates: Any = None,
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
    criteria, candidates : optional
        A criteria set and a candidate table in which the partners are scored (their current
        rank is one of the reasons).
    as_of : date, default today
    """
    as_of = as_of or date.today()
    if not isinstance(months, int) or months < 0:
        raise CitymatchValueError(f"`months` must be a non-negative integer; got {months!r}.")
    ranks = _partner_ranks(criteria, candidates)
    rows: list[dict[str, Any]] = []
    for a in register:
        status = a.status_on(as_of, expiring_months=months)
        reasons: list[str] = []
        rec, new_class = "continue", None
        progress = [float(p["progress"]) for p in a.kpi_progress() if p["progress"] is not None]  # type: ignore[arg-type]
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
            economic = any(o.kind == "economic" for o in a.objectives)
            strong = best_rank is not None and best_rank[0] <= best_rank[1] / 2
            if a.objectives:  # the objectives decide
                new_class = "Partnership" if economic else "Friendship"
                why = "economic objectives" if economic else "its objectives are cultural or civic"
            else:  # no objectives yet: the partner's economic standing decides
                new_class = "Partnership" if strong else "Friendship"
                why = (
                    "no objectives yet; partner ranks in the top half"
                    if strong
                    else "no objectives yet; partner not in the top half: historic and cultural ties"
                )
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
            when = "ended" if status == "expired" else "ends"
            reasons.append(f"term {when} {end} (review window {months} months)")
            on_track = mean_prog is not None and mean_prog >= renew_threshold
            weak_partner = best_rank is not None and best_rank[0] > 2 * best_rank[1] / 3
            if mean_prog is None:
                reasons.append("no KPI measurements")
            else:
                reasons.append(f"KPI progress {mean_prog:.0%} (renew at ≥ {renew_threshold:.0%})")
            if weak_partner:
                reasons.append("partner in the bottom third under the criteria")
            rec = "renew" if on_track and not weak_partner else "sunset"
        else:
            if mean_prog is not None:
                reasons.append(f"KPI progress {mean_prog:.0%}")
            reasons.append(f"term runs to {end}")
        rows.append(
            {
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
        )
    active = sum(1 for r in rows if r["status"] in ("active", "expiring"))
    if cap is not None and active > cap:
        leaving = sum(
            1
            for r in rows
            if r["status"] in ("active", "expiring") and r["recommendation"] == "sunset"
        )
        excess = active - cap - leaving
        pool = [
            r
            for r in rows
            if r["status"] in ("active", "expiring")
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
            if r["status"] in ("active", "expiring") and not any(
                s.startswith("cap pressure") for s in r["reasons"]
            ):
                r["reasons"].append(f"{active} active agreements exceed the cap of {cap}")
    table = pd.DataFrame(rows)
    table["reasons"] = table["reasons"].map("; ".join)
    return Review(table, as_of, active, cap)


# --------------------------------------------------------------------------- annual report
def _svg_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str = "",
    width: int = 640,
) -> str:
    """A small self-contained SVG grouped bar chart (no external resources)."""
    colors = ["#3b6ea5", "#e39b2d", "#5a9e6f", "#b5515b"]
    n = len(labels)
    groups = len(series)
    row_h = 14 * groups + 10
    height = 40 + n * row_h
    vmax = max(
        [1e-9]
        + [float(v) for vals in series.values() for v in vals if v is not None and np.isfinite(v)]
    )
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
            f'<text x="4" y="{y0 + 11}" font-size="11" font-family="sans-serif">{html.escape(str(lab))[:28]}</text>'
        )
        for g, (name, vals) in enumerate(series.items()):
            v = vals[i]
            if v is None or not np.isfinite(v):
                continue
            w = max(0.0, float(v)) * scale
            y = y0 + g * 14
            out.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="12" fill="{colors[g % 4]}"><title>{html.escape(name)}: {v:,.4g}{unit}</title></rect>'
            )
            out.append(
                f'<text x="{left + w + 4:.1f}" y="{y + 10}" font-size="10" font-family="sans-serif">{v:,.3g}{unit}</text>'
            )
    legend = " ".join(
        f'<tspan fill="{colors[g % 4]}">■</tspan> {html.escape(name)}'
        for g, name in enumerate(series)
    )
    out.append(f'<text x="{left}" y="16" font-size="11" font-family="sans-serif">{legend}</text>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True, repr=False, eq=False)
class AnnualReport:
    """The annual activity summary: goals, activities, KPI progress, budget, agreements changed."""

    year: int
    goals: pd.DataFrame
    kpis: pd.DataFrame
    budget: pd.DataFrame
    changes: pd.DataFrame
    illustrative: bool

    def to_markdown(self) -> str:
        """The report as Markdown."""

        def table(df: pd.DataFrame) -> str:
            if df.empty:
                return "_none_\n"
            cols = list(df.columns)
            lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for row in df.itertuples(index=False):
                lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
            return "\n".join(lines) + "\n"

        note = (
            "\n> Contains illustrative objectives and figures (marked in the register).\n"
            if self.illustrative
            else ""
        )
        return (
            f"# International partnerships — annual report {self.year}\n{note}\n"
            f"## Goals and activities\n\n{table(self.goals)}\n"
            f"## KPI progress\n\n{table(self.kpis)}\n"
            f"## Budget: planned and spent\n\n{table(self.budget)}\n"
            f"## Agreements signed, renewed and sunset in {self.year}\n\n{table(self.changes)}"
        )

    def to_html(self) -> str:
        """A self-contained HTML page (inline CSS and SVG charts, no external resources)."""

        def table(df: pd.DataFrame) -> str:
            if df.empty:
                return "<p><em>none</em></p>"
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
                for row in df.itertuples(index=False)
            )
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

        charts = []
        if not self.kpis.empty:
            k = self.kpis.dropna(subset=["progress"])
            if len(k):
                charts.append(
                    _svg_bars(
                        [f"{a}: {m}" for a, m in zip(k["agreement"], k["metric"], strict=True)],
                        {"progress toward target": (k["progress"] * 100).tolist()},
                        title="KPI progress (% of the way from baseline to target)",
                        unit="%",
                    )
                )
        if not self.budget.empty:
            charts.append(
                _svg_bars(
                    self.budget["agreement"].tolist(),
                    {
                        "planned": self.budget["planned"].tolist(),
                        "spent": self.budget["spent"].tolist(),
                    },
                    title=f"Budget {self.year}: planned and spent",
                    unit="",
                )
            )
        note = (
            "<p class=note>Contains illustrative objectives and figures (marked in the register).</p>"
            if self.illustrative
            else ""
        )
        style = (
            "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
            "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;"
            "text-align:left;font-size:.9em}th{background:#f3f3f3}.note{background:#fff6dd;padding:.5em}"
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>International partnerships — annual report {self.year}</title><style>{style}</style></head>"
            f"<body><h1>International partnerships — annual report {self.year}</h1>{note}"
            f"<h2>Goals and activities</h2>{table(self.goals)}"
            f"<h2>KPI progress</h2>{''.join(charts[:1]) if not self.kpis.empty else ''}{table(self.kpis)}"
            f"<h2>Budget: planned and spent</h2>{charts[-1] if not self.budget.empty and charts else ''}{table(self.budget)}"
            f"<h2>Agreements signed, renewed and sunset in {self.year}</h2>{table(self.changes)}"
            "</body></html>\n"
        )

    def __repr__(self) -> str:
        return (
            f"AnnualReport({self.year}: {len(self.goals)} objectives, {len(self.kpis)} KPIs, "
            f"{len(self.changes)} agreement changes)"
        )

    def _repr_html_(self) -> str:
        return self.to_markdown().replace("\n", "<br>")


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}"
    return str(v)


def annual_report(register: Register, year: int) -> AnnualReport:
    """The annual activity summary of the report's recommendation 9 for one year."""
    if not isinstance(year, int) or not 1900 <= year <= 2200:
        raise CitymatchValueError(f"`year` must be a calendar year; got {year!r}.")
    as_of = date(year, 12, 31)
    goals, kpis, budget, changes = [], [], [], []
    illustrative = False
    for a in register:
        if a.status_on(as_of) in ("historical",):
            continue
        in_year = (a.start is None or a.start.year <= year) and (
            a.current_end is None or a.current_end.year >= year
        )
        if not in_year and not (a.signed and a.signed.year == year):
            continue
        illustrative = illustrative or a.illustrative
        for o in a.objectives:
            goals.append(
                {
                    "agreement": a.id,
                    "objective": o.objective,
                    "activity": o.activity,
                    "owner": o.owner,
                    "ends": o.end,
                    "SMART": "yes" if o.is_smart else "no",
                }
            )
        for p in a.kpi_progress():
            ms = [
                m
                for m in a.measurements
                if m.objective == p["objective"] and m.metric == p["metric"] and m.period <= year
            ]
            last = max(ms, key=lambda m: m.period) if ms else None
            kpi = next(
                k
                for o in a.objectives
                if o.id == p["objective"]
                for k in o.kpis
                if k.metric == p["metric"]
            )
            kpis.append(
                {
                    "agreement": a.id,
                    "metric": p["metric"],
                    "unit": p["unit"],
                    "baseline": p["baseline"],
                    "target": p["target"],
                    "actual": last.value if last else None,
                    "progress": kpi.progress(last.value if last else None),
                }
            )
        for s in a.spending:
            if s.year == year:
                budget.append(
                    {
                        "agreement": a.id,
                        "planned": s.planned,
                        "spent": s.spent,
                        "variance": s.spent - s.planned,
                    }
                )
        if a.signed and a.signed.year == year:
            changes.append({"agreement": a.id, "change": "signed", "date": a.signed})
        for r in a.renewals:
            if r.decided.year == year:
                changes.append(
                    {"agreement": a.id, "change": f"renewed to {r.new_end}", "date": r.decided}
                )
        if a.status == "sunset" and a.current_end and a.current_end.year == year:
            changes.append({"agreement": a.id, "change": "sunset", "date": a.current_end})
    return AnnualReport(
        year,
        pd.DataFrame(goals),
        pd.DataFrame(kpis),
        pd.DataFrame(budget),
        pd.DataFrame(changes),
        illustrative,
    )
