"""What the decision brief says, in words: the recommendation, why, how robust, the cost.

Each function turns one result (a :class:`~citymatch.Ranking`, a
:class:`~citymatch.sensitivity.RankAcceptabilityResult`, a
:class:`~citymatch.sensitivity.StabilityResult`, a portfolio :class:`~citymatch.Plan`) into
plain sentences and rows of text, already formatted for people (:mod:`citymatch._format`).
Nothing here is HTML: :mod:`.page` escapes and lays the words out.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._format import MISSING, money, number, percent, share_pair
from ..portfolio.solve import Plan
from ..rank import Ranking
from ..scoring.registry import method_spec
from ..scoring.results import TopsisResult
from ..sensitivity.acceptability import RankAcceptabilityResult
from ..sensitivity.stability import LINEAR_IN_WEIGHTS, SEARCH_POINTS, StabilityResult

__all__ = [
    "Candidate",
    "PlanSummary",
    "acceptability_sentences",
    "candidates",
    "conventions",
    "plan_summary",
    "recommendation",
    "short",
    "tipping_sentences",
]

#: Longest candidate name and criterion label shown (longer ones are cut with "…"), so that
#: hostile or careless data cannot push the brief past two pages.
NAME_CHARS = 48
LABEL_CHARS = 60


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: How each weight sampler draws, in words.
SAMPLER_WORDS = {
    "uniform": "with any weights at all (uniform over every weighting)",
    "dirichlet": "with weights scattered around the criteria set's weights",
    "intervals": "with weights within the stated intervals",
    "ordinal": "with any weights that keep the criteria's order of importance",
}
#: Each weight sampler's technical name.
SAMPLER_TERMS = {
    "uniform": "uniform on the weight simplex",
    "dirichlet": "Dirichlet around the set's weights",
    "intervals": "uniform within weight intervals",
    "ordinal": "uniform among weights of the stated order",
}
#: Tipping points listed in words (the nearest first); the others are summarised.
TIPPING_SHOWN = 4


@dataclass(frozen=True)
class Candidate:
    """One row of the top-candidates table: rank, name, score and why, in words."""

    rank: str
    name: str
    score: str
    strengths: str
    weakness: str


@dataclass(frozen=True)
class PlanSummary:
    """The portfolio plan in words and rows (all text)."""

    headline: str
    years: tuple[tuple[str, str, str, str, str], ...]
    projects: tuple[tuple[str, str, str, str], ...]
    notes: tuple[str, ...]


def display_names(ranking: Ranking) -> dict[Hashable, str]:
    """Candidate id → the name people read (the ``name`` column when given, else the id)."""
    t = ranking.table
    names = t["name"] if "name" in t.columns else t["id"]
    out: dict[Hashable, str] = {}
    for cid, name in zip(t["id"], names, strict=True):
        text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        out[cid] = short(text.strip() or str(cid), NAME_CHARS)
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts (column → value)."""
    return [
        dict(zip(map(str, frame.columns), row, strict=True)) for row in frame.to_numpy(dtype=object)
    ]


def _labels(ranking: Ranking) -> dict[str, str]:
    return {c.id: short(c.label or c.id, LABEL_CHARS) for c in ranking.criteria.criteria}


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _score(ranking: Ranking, value: object) -> str:
    return number(value, decimals=3)


def _pushes(ranking: Ranking) -> pd.DataFrame:
    """How much each criterion pushes each ranked candidate up (+) or down (−), best first.

    TOPSIS: the exact contributions (``contrib_<id>``, ``score = 0.5 + Σ``).  Other methods
    have no additive decomposition of their score: the weighted position on each criterion
    (the share of the other candidates it beats, direction-aware, minus ½, times the weight).
    """
    ids = list(ranking.criteria.ids)
    t = ranking.table
    if isinstance(ranking.result, TopsisResult):
        frame = t[[f"contrib_{c}" for c in ids]].to_numpy(dtype=np.float64)
        return pd.DataFrame(frame, index=t["id"].to_numpy(), columns=ids)
    x = ranking.matrix.loc[t["id"].to_numpy(), ids].to_numpy(dtype=np.float64)
    x = x * np.asarray(ranking.criteria.types, dtype=np.float64)  # higher is better on every column
    n = len(x)
    below = (x[:, None, :] > x[None, :, :]).sum(axis=1) + 0.5 * (
        (x[:, None, :] == x[None, :, :]).sum(axis=1) - 1
    )
    position = below / max(n - 1, 1) - 0.5
    w = ranking.weights.reindex(ids).to_numpy(dtype=np.float64)
    return pd.DataFrame(position * w, index=t["id"].to_numpy(), columns=ids)


def candidates(ranking: Ranking, top: int) -> list[Candidate]:
    """The ``top`` best candidates (ties at the cut kept) with their strengths in words."""
    names = display_names(ranking)
    labels = _labels(ranking)
    push = _pushes(ranking)
    rows = []
    for r in _records(ranking.top(top)):
        p = push.loc[r["id"]].sort_values(ascending=False)
        ups = [labels[str(c)] for c, v in p.items() if v > 0][:2]
        down = [labels[str(c)] for c, v in p[::-1].items() if v < 0][:1]
        rows.append(
            Candidate(
                rank=str(int(r["rank"])),
                name=names[r["id"]],
                score=_score(ranking, r["score"]),
                strengths=_join(ups) or MISSING,
                weakness=_join(down) or MISSING,
            )
        )
    return rows


def leaders(ranking: Ranking) -> list[Hashable]:
    """The ids ranked first (more than one on a tie)."""
    t = ranking.table
    return list(t.loc[t["rank"] == t["rank"].min(), "id"])


def recommendation(ranking: Ranking, subject: str) -> str:
    """The recommendation sentence: who leads, out of how many, by how much."""
    names = display_names(ranking)
    t = ranking.table
    first = leaders(ranking)
    n = len(t)
    excluded = len(ranking.excluded)
    out_of = f"{n:,} candidates ranked" + (
        f" ({excluded:,} screened out or dropped before scoring)" if excluded else ""
    )
    if len(first) > 1:
        return (
            f"{_join([names[i] for i in first])} tie for first place of {out_of} on "
            f"{subject}: the ranking alone does not choose between them."
        )
    lead = names[first[0]]
    head = f"Pursue {lead} first: it ranks first of {out_of} on {subject}"
    if n < 2:
        return head + "."
    gap = abs(float(t["score"].iloc[0]) - float(t["score"].iloc[1]))
    second = names[t["id"].iloc[1]]
    return (
        f"{head}, {number(gap, decimals=3)} points of score ahead of {second} "
        f"(score {_score(ranking, t['score'].iloc[0])} against "
        f"{_score(ranking, t['score'].iloc[1])}"
        + ("" if method_spec(ranking.method).higher_is_better else "; lower is better")
        + ")."
    )


def acceptability_sentences(ranking: Ranking, acc: RankAcceptabilityResult) -> list[str]:
    """The leader's rank acceptability in words (and who is most often first, if another)."""
    names = display_names(ranking)
    ids = [str(i) for i in acc.ids]
    by_str = {str(i): i for i in names}
    lead = leaders(ranking)[0]
    where = ids.index(str(lead)) if str(lead) in ids else None
    how = SAMPLER_WORDS.get(acc.sampler, f"({acc.sampler} sampling)")
    draws = f"{acc.samples:,} rankings {how}"
    if where is None:
        return [f"The leader was not among the candidates of the {draws}."]
    p1 = acc.acceptability[where, 0]
    k = min(3, acc.ranks, len(ids) - 1)  # the top n is every candidate: not worth saying
    text = f"{names[lead]} ranks first in {percent(p1)} of {draws}"
    if k > 1:
        text += f", and in the top {k} in {percent(acc.acceptability[where, :k].sum())}"
    out = [text + "."]
    best = int(np.argmax(acc.acceptability[:, 0]))
    if best != where:
        other = names.get(by_str.get(ids[best], ids[best]), ids[best])
        out.append(
            f"Most often first is {other} ({percent(acc.acceptability[best, 0])} of those "
            "rankings): under other weights, another candidate can lead."
        )
    return out


def tipping_sentences(ranking: Ranking, stab: StabilityResult) -> tuple[str, list[str]]:
    """Tipping weights in words, nearest first: an opening line and one item per tipping point.

    E.g. "Paris stays first unless …:" and "the weight of X rises above 17% (now 16%): then
    London leads".
    """
    names = display_names(ranking)
    by_str = {str(i): i for i in names}
    labels = _labels(ranking)

    def name(cid: object) -> str:
        return names.get(by_str.get(str(cid), str(cid)), str(cid))

    lead = name(stab.winner)
    found: list[tuple[float, str]] = []
    steady: list[str] = []
    for r in _records(stab.table):
        w, high, low = float(r["weight"]), float(r["top_high"]), float(r["top_low"])
        label = labels.get(str(r["criterion"]), str(r["criterion"]))
        ends = []
        if r["top_high_by"] is not None and high < 1:
            now, then = share_pair(w, high)
            ends.append((high - w, f"rises above {then} (now {now})", r["top_high_by"]))
        if r["top_low_by"] is not None and low > 0:
            now, then = share_pair(w, low)
            ends.append((w - low, f"falls below {then} (now {now})", r["top_low_by"]))
        if not ends:
            steady.append(label)
        for dist, words, by in ends:
            found.append((dist, f"the weight of {label} {words}: then {name(by)} leads"))
    found.sort(key=lambda f: f[0])
    if not found:
        return f"No change of a single weight makes anyone but {lead} first.", []
    items = [words for _, words in found[:TIPPING_SHOWN]]
    if len(found) > TIPPING_SHOWN:
        items.append(f"{len(found) - TIPPING_SHOWN} further tipping points, all further away")
    if steady:
        items.append(f"no weight of {_join(steady)} alone changes the leader")
    return (
        f"{lead} stays first unless one weight alone moves past a tipping point (nearest first):",
        items,
    )


def plan_summary(plan: Plan) -> PlanSummary:
    """What the plan costs per year, its projects, and its notes — in words and rows."""
    if not plan.feasible:
        first = plan.explain().splitlines()[0]
        return PlanSummary(f"No portfolio plan: {first}", (), (), tuple(plan.notes))
    sel = plan.selected
    sch = plan.schedule
    spend = sch["budget_used"].astype(float)
    span = f"{int(sch['year'].min())}–{int(sch['year'].max())}" if len(sch) else ""
    status = "optimal" if plan.success else "the best found in the time limit, not proven optimal"
    headline = (
        f"{len(sel)} projects start in {span} ({status}). Spending in {span}: "
        f"{money(spend.sum())} in total, {money(spend.mean())} a year on average, at most "
        f"{money(spend.max())} in one year; over their whole terms the projects cost "
        f"{money(sel['total_cost'].astype(float).sum())}."
    )
    years = tuple(
        (
            str(int(r["year"])),
            str(int(r["n_new"])),
            str(int(r["n_active"])),
            money(r["budget_used"]),
            money(r["budget_left"]),
        )
        for r in _records(sch)
    )
    projects = tuple(
        (
            str(r["title"] or r["id"]),
            str(r["partners"]),
            f"{int(r['start'])}–{int(r['end'])}",
            money(r["total_cost"]),
        )
        for r in _records(sel)
    )
    return PlanSummary(headline, years, projects, tuple(plan.notes))


def conventions(
    ranking: Ranking,
    acc: RankAcceptabilityResult | None,
    stab: StabilityResult | None,
) -> list[tuple[str, str]]:
    """The sources and conventions as (term, words) pairs."""
    cs = ranking.criteria
    spec = method_spec(ranking.method)
    if isinstance(ranking.result, TopsisResult):
        how = f"TOPSIS, {ranking.result.normalization} normalisation"
        why = "each criterion's exact contribution to the TOPSIS score"
    else:
        how = ranking.method
        why = (
            "the weighted position among the candidates on each criterion "
            f"({ranking.method} has no additive decomposition of its score)"
        )
    better = "higher" if spec.higher_is_better else "lower"
    labels = _labels(ranking)
    weights = ", ".join(
        f"{labels.get(str(c), str(c))} {percent(w)}" for c, w in ranking.weights.items()
    )
    rows = [
        ("Criteria", f"{short(cs.title, LABEL_CHARS)} ({cs.name}, version {cs.version})"),
        ("Method", f"{how}; {better} scores are better"),
        ("Weights", f"{weights} — {ranking.weights_source}"),
        ("Strengths", f"criteria ranked by {why}"),
    ]
    if cs.source:
        rows.append(("Criteria source", cs.source))
    if acc is not None:
        rows.append(
            (
                "Rank acceptability",
                f"SMAA-2, {acc.samples:,} weight draws, "
                f"{SAMPLER_TERMS.get(acc.sampler, acc.sampler)}"
                + (f", seed {acc.seed}" if acc.seed is not None else ""),
            )
        )
    if stab is not None:
        rows.append(
            (
                "Tipping weights",
                (
                    "exact"
                    if spec.name == "TOPSIS" or spec.name in LINEAR_IN_WEIGHTS
                    else f"a numeric search over {SEARCH_POINTS:,} points of each weight, polished"
                )
                + "; one criterion's weight moves while the others are rescaled in "
                "proportion to keep the sum at 100%",
            )
        )
    return rows
