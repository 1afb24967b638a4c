"""The decision brief as one self-contained HTML page that prints on A4.

Inline CSS only (no script, no external resource, no web font), a print style sheet for A4
(``@page``), tables of fixed layout whose cells wrap long words, and every user string —
names, titles, labels, sources — HTML-escaped (and very long ones truncated, the full text
kept in a ``title`` attribute).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from .content import Candidate, PlanSummary

__all__ = ["CSS", "MAX_CELL_CHARS", "Sections", "cell", "render"]

#: Longest text shown in a table cell or heading; longer text is cut with "…".
MAX_CELL_CHARS = 80

#: The style sheet: screen and print (A4, 15 mm margins, 10 pt type), tables never wider
#: than the page (fixed layout, long words broken anywhere).
CSS = """
@page { size: A4; margin: 15mm 15mm 16mm 15mm; }
* { box-sizing: border-box; }
html { font-size: 10pt; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: #1d1d1d;
  line-height: 1.35; width: 100%; max-width: 180mm; margin: 0 auto; padding: 0;
  overflow-wrap: anywhere; word-break: break-word; }
h1 { font-size: 17pt; margin: 0 0 2pt; line-height: 1.2; }
h2 { font-size: 11.5pt; margin: 11pt 0 4pt; padding-bottom: 2pt; border-bottom: 1.5pt solid #3b6ea5;
  color: #24476e; break-after: avoid; page-break-after: avoid; }
p, ul { margin: 0 0 5pt; }
ul { padding-left: 14pt; }
li { margin-bottom: 2pt; }
.meta { color: #555; font-size: 9pt; margin-bottom: 8pt; }
.lead { font-size: 11.5pt; background: #eef3f9; border-left: 3pt solid #3b6ea5;
  padding: 5pt 8pt; margin: 8pt 0; }
.note { background: #fff6dd; padding: 3pt 6pt; font-size: 9pt; }
table { width: 100%; max-width: 100%; table-layout: fixed; border-collapse: collapse;
  margin: 3pt 0 6pt; font-size: 9pt; }
th, td { border-bottom: 0.75pt solid #cfcfcf; padding: 2.5pt 4pt; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; word-break: break-word; overflow: hidden; }
th { background: #f1f1f1; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
dl { display: grid; grid-template-columns: 28mm minmax(0, 1fr); gap: 2pt 6pt; margin: 0;
  font-size: 8.5pt; }
dt { font-weight: 600; color: #444; }
dd { margin: 0; min-width: 0; }
footer { margin-top: 8pt; color: #666; font-size: 8pt; }
@media print { body { max-width: none; } .lead { background: #eef3f9;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def cell(text: object, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` escaped for HTML; cut to ``limit`` characters with "…" (full text as a tooltip)."""
    s = str(text)
    if len(s) <= limit:
        return html.escape(s)
    return f'<span title="{html.escape(s)}">{html.escape(s[: limit - 1])}…</span>'


def _table(
    head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int], numeric: set[int]
) -> str:
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    th = "".join(
        f'<th class="num">{cell(h)}</th>' if i in numeric else f"<th>{cell(h)}</th>"
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell(v)}</td>' if i in numeric else f"<td>{cell(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{cell(i, 10 * MAX_CELL_CHARS)}</li>" for i in items) + "</ul>"


@dataclass(frozen=True)
class Sections:
    """Everything the page shows, as text (escaped here, never before)."""

    title: str
    meta: str
    recommendation: str
    candidates: Sequence[Candidate]
    robustness: Sequence[str]
    tipping: tuple[str, Sequence[str]] | None
    plan: PlanSummary | None
    conventions: Sequence[tuple[str, str]]
    sources: Sequence[str]
    footer: str


def _plan_html(plan: PlanSummary) -> str:
    out = [f"<h2>What the plan costs</h2><p>{cell(plan.headline, 10 * MAX_CELL_CHARS)}</p>"]
    if plan.years:
        out.append(
            _table(
                ("Year", "New projects", "Active projects", "Spending", "Budget left"),
                plan.years,
                (12, 18, 18, 26, 26),
                {0, 1, 2, 3, 4},
            )
        )
    if plan.projects:
        out.append(
            _table(
                ("Project", "Partners", "Years", "Total cost"),
                plan.projects,
                (42, 28, 14, 16),
                {3},
            )
        )
    out += [f'<p class="note">{cell(n, 10 * MAX_CELL_CHARS)}</p>' for n in plan.notes]
    return "".join(out)


def render(s: Sections) -> str:
    """The complete HTML document of a brief."""
    rows = [(c.rank, c.name, c.score, c.strengths, c.weakness) for c in s.candidates]
    conv = "".join(
        f"<dt>{cell(k)}</dt><dd>{cell(v, 10 * MAX_CELL_CHARS)}</dd>" for k, v in s.conventions
    )
    if s.sources:
        conv += (
            f"<dt>Sources</dt><dd>{'; '.join(cell(x, 4 * MAX_CELL_CHARS) for x in s.sources)}</dd>"
        )
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(s.title)}</title><style>{CSS}</style></head><body>",
        f'<header><h1>{cell(s.title, 4 * MAX_CELL_CHARS)}</h1><p class="meta">{cell(s.meta, 4 * MAX_CELL_CHARS)}</p></header>',
        f'<h2>Recommendation</h2><p class="lead">{cell(s.recommendation, 10 * MAX_CELL_CHARS)}</p>',
        "<h2>Top candidates and why</h2>",
        _table(
            ("Rank", "Candidate", "Score", "Strongest on", "Weakest on"),
            rows,
            (8, 26, 10, 34, 22),
            {0, 2},
        ),
    ]
    if s.robustness or s.tipping:
        parts.append("<h2>How robust it is</h2>")
        parts += [f"<p>{cell(x, 10 * MAX_CELL_CHARS)}</p>" for x in s.robustness]
        if s.tipping:
            parts.append(f"<p>{cell(s.tipping[0], 10 * MAX_CELL_CHARS)}</p>")
            parts.append(_list(s.tipping[1]) if s.tipping[1] else "")
    if s.plan is not None:
        parts.append(_plan_html(s.plan))
    parts.append(f"<h2>Sources and conventions</h2><dl>{conv}</dl>")
    parts.append(f"<footer>{cell(s.footer, 4 * MAX_CELL_CHARS)}</footer></body></html>\n")
    return "".join(parts)
