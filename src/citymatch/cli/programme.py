"""Commands that plan and review the programme.

``proposals``, ``portfolio``, ``draft``, ``review``, ``report``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .output import (
    Subparsers,
    UsageError,
    add_format_output,
    add_progress,
    emit,
    emit_json,
    emit_model,
    emit_table,
    non_negative_int,
    output_format,
    positive_float,
    year,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..agreements.goals import GoalCoverage
    from ..portfolio import Plan

__all__ = [
    "EXIT_NO_PLAN_IN_TIME",
    "add_draft",
    "add_portfolio",
    "add_proposals",
    "add_report",
    "add_review",
    "cmd_draft",
    "cmd_portfolio",
    "cmd_proposals",
    "cmd_report",
    "cmd_review",
    "example_path",
    "portfolio_exit_code",
]

#: Exit code of ``citymatch portfolio`` when the time limit stopped the solver before any plan.
EXIT_NO_PLAN_IN_TIME = 3


def example_path(name: str) -> str:
    """A shipped example (inside the wheel, or examples/ in a checkout) as a path string."""
    from ..datasets import data_path

    return str(data_path(name))


# --------------------------------------------------------------------------- portfolio
def add_portfolio(sub: Subparsers) -> None:
    """The ``portfolio`` command's arguments."""
    pp = sub.add_parser(
        "portfolio",
        help="choose the projects that fit budget, staff and cap (MILP)",
        description="Choose the projects that fit budget, staff and cap (MILP).",
        epilog=f"Exit codes: 0 a plan was found (optimal, or the best found when the time limit "
        f"stopped the solver); 1 no plan exists (infeasible: the conflicting rules are printed) "
        f"or a data error; 2 a usage error; {EXIT_NO_PLAN_IN_TIME} the time limit stopped the "
        "solver before it found any plan (status TIME_LIMIT; JSON has null value and x) — "
        "give it more --time-limit.",
    )
    pp.add_argument(
        "problem", help="portfolio problem, JSON or TOML ('example' for the shipped Toronto plan)"
    )
    add_format_output(
        pp,
        output_help="write to this file (atomically): .csv, .xlsx, .json, .parquet, .md, .html "
        "write the selected projects (JSON: the full response), .txt or no suffix the printed "
        "text",
    )
    pp.add_argument(
        "--frontier", action="store_true", help="also compute the value-vs-budget frontier"
    )
    pp.add_argument("--plot", help="save the frontier plot (.png, .svg, .pdf)")
    pp.add_argument(
        "--time-limit",
        type=positive_float,
        default=60.0,
        dest="time_limit",
        help="seconds for each solve (default 60)",
    )
    pp.add_argument(
        "--policy",
        help="policy file (TOML; 'example' for the shipped one): check the goals the projects "
        "name against its strategic "
        "goals (an unknown goal: exit 1) and report which selected projects serve each goal",
    )
    add_progress(pp)
    pp.set_defaults(func=cmd_portfolio)


def cmd_portfolio(args: argparse.Namespace) -> int:
    """``citymatch portfolio``: exit 1 when no plan exists (the conflicts are printed).

    ``--format json`` prints the contract's portfolio response, plus ``frontier`` (one
    object per budget factor) when ``--frontier`` is given.
    """
    from ..portfolio import efficient_frontier, optimize_portfolio
    from ..service.contract import portfolio_response

    fmt = output_format(args.format, args.output)
    goals = (
        _plan_goals(_policy_path(args.policy), args.problem) if args.policy else None
    )  # before solving
    plan = optimize_portfolio(args.problem, time_limit=args.time_limit)
    front = None
    if args.frontier or args.plot:
        front = efficient_frontier(args.problem, time_limit=args.time_limit, progress=args.progress)
        if args.plot:
            from ..plot import frontier, save

            save(frontier(front), args.plot)
    if fmt == "json":
        doc = portfolio_response(plan).model_dump(mode="json")
        if front is not None:
            doc["frontier"] = _frame_records(front)
        if goals is not None:
            doc["goals"] = goals.served_by(plan)
        emit_json(doc, args.output)
    else:
        text = _plan_text(plan, front, args.time_limit)
        if goals is not None:
            text += "\n\n" + goals.text(plan)
        emit_table(plan.selected, text, fmt, args.output, title="Portfolio plan")
    return portfolio_exit_code(plan)


@dataclass(frozen=True)
class _PlanGoals:
    """The policy's goals and the goals each project of the problem names."""

    coverage: GoalCoverage
    project_goals: dict[str, tuple[str, ...]]

    def served_by(self, plan: Plan) -> dict[str, list[str]]:
        """Goal id → the selected projects naming it (in the policy's order)."""
        chosen = list(plan.selected["id"]) if plan.feasible else []
        return {
            g: [p for p in chosen if g in self.project_goals.get(p, ())]
            for g in self.coverage.titles
        }

    def text(self, plan: Plan) -> str:
        lines = [f"Strategic goals of policy {self.coverage.policy!r} served by the plan:"]
        for g, chosen in self.served_by(plan).items():
            names = ", ".join(chosen) or "NO selected project"
            lines.append(f"  {g} ({self.coverage.titles[g]}): {names}")
        lines.extend(f"warning: {i}" for i in self.coverage.issues)
        return "\n".join(lines)


def _plan_goals(policy_path: str, problem: str) -> _PlanGoals:
    """Check the projects' goal references against the policy (raises on an unknown goal)."""
    from ..agreements.goals import goal_coverage
    from ..agreements.policy import load_policy
    from ..portfolio import load_problem

    projects = load_problem(problem).projects
    coverage = goal_coverage(load_policy(policy_path), projects=projects)
    return _PlanGoals(coverage, {p.id: p.goals for p in projects})


def portfolio_exit_code(plan: Plan) -> int:
    """0 with a plan; :data:`EXIT_NO_PLAN_IN_TIME` when the time limit came first; else 1."""
    from ..portfolio import TIME_LIMIT

    if plan.feasible:
        return 0
    return EXIT_NO_PLAN_IN_TIME if plan.status == TIME_LIMIT else 1


def _frame_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    import json

    records: list[dict[str, object]] = json.loads(frame.to_json(orient="records"))
    return records


def _plan_text(plan: Plan, front: pd.DataFrame | None, time_limit: float) -> str:
    def money(frame: pd.DataFrame) -> str:
        return frame.to_string(index=False, float_format=lambda v: f"{v:,.1f}")

    lines = [plan.explain(), ""]
    if portfolio_exit_code(plan) == EXIT_NO_PLAN_IN_TIME:
        lines.append(
            f"Status {plan.status.name}: the solver stopped at the time limit ({time_limit:g} s) "
            "before it found any plan — not a proof that none exists. Give it more time with "
            "--time-limit SECONDS."
        )
    if plan.feasible:
        lines.append(money(plan.selected[["id", "start", "end", "value", "total_cost"]]))
        lines.append("")
        cols = ["year", "n_active", "n_new", "budget_used", "budget_left", "staff_used"]
        lines.append(money(plan.schedule[[*cols, "agreements"]]))
    if front is not None:
        lines += [
            "",
            "Efficient frontier (budget per year → optimal value):",
            money(front[["factor", "budget_per_year", "value", "n_selected"]]),
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- proposals
def add_proposals(sub: Subparsers) -> None:
    """The ``proposals`` command's arguments."""
    pr = sub.add_parser(
        "proposals",
        help="validate a folder of proposals and rank them (decision point 1)",
        description="Validate a folder of partnership proposals (one TOML file each), turn "
        "them into a candidate table with the register's existing agreements, and screen and "
        "rank them by a criteria set.",
    )
    pr.add_argument("folder", help="folder of proposal TOML files")
    pr.add_argument("--criteria", required=True, help="criteria set (e.g. partnership-city)")
    pr.add_argument(
        "--candidates", default="example", help="candidate table (default: the shipped cities)"
    )
    pr.add_argument("--register", default="example", help="agreement register (default: Toronto's)")
    pr.add_argument("--as-of", dest="as_of", help="date of the register's facts YYYY-MM-DD")
    pr.add_argument("--output", help="write to this file instead of stdout")
    pr.set_defaults(func=cmd_proposals)


def cmd_proposals(args: argparse.Namespace) -> int:
    """``citymatch proposals``: proposals in, ranked and screened candidates out."""
    from ..agreements import load_proposals, load_register, proposal_table
    from ..io import read_table
    from ..rank import rank

    proposals = load_proposals(args.folder)
    cands = read_table(example_path("cities") if args.candidates == "example" else args.candidates)
    reg = load_register(_register_path(args.register))
    table = proposal_table(proposals, cands, reg, as_of=_as_of(args.as_of, args.register))
    r = rank(table, args.criteria, missing="worst")
    proposed = set(table.loc[table["proposals"] != "", "id"].astype(str))
    lines = [f"{len(proposals)} proposals for {len(proposed)} partners", "", repr(r), ""]
    frame = r.to_frame().merge(table[["id", "proposals", "endorsements"]], on="id")
    lines.append(frame[["rank", "id", "score", "proposals", "endorsements"]].to_string(index=False))
    out = r.excluded[r.excluded["id"].astype(str).isin(proposed)]  # partners in force: counted only
    if len(out):
        lines += ["", "Screened out:", out[["id", "rule"]].to_string(index=False)]
    emit("\n".join(lines), args.output)
    return 0


# --------------------------------------------------------------------------- draft
def add_draft(sub: Subparsers) -> None:
    """The ``draft`` command's arguments."""
    dp = sub.add_parser(
        "draft",
        help="turn a portfolio plan into draft agreements in a register",
        description="Solve a portfolio problem and save one draft agreement per selected "
        "project and partner (SMART objective stub, responsibilities, milestones, reporting "
        "dates, resources, review date) into a register folder; list what is still to fill in.",
        epilog="Exit codes: 0 drafts written; 1 no plan exists or a data error (an id already "
        f"in the register: nothing written); 2 a usage error; {EXIT_NO_PLAN_IN_TIME} the time "
        "limit stopped the solver before any plan.",
    )
    dp.add_argument("problem", help="portfolio problem, JSON or TOML ('example' for Toronto's)")
    dp.add_argument("--register", required=True, help="register folder the drafts are saved in")
    dp.add_argument("--city", default="toronto", help="the city's party id (default toronto)")
    dp.add_argument(
        "--time-limit", type=positive_float, default=60.0, dest="time_limit", help="seconds"
    )
    dp.add_argument("--output", help="write the summary to this file instead of stdout")
    dp.set_defaults(func=cmd_draft)


def cmd_draft(args: argparse.Namespace) -> int:
    """``citymatch draft``: a plan becomes draft agreements in one command."""
    from ..agreements import draft_agreements, load_register, save_drafts
    from ..portfolio import optimize_portfolio

    plan = optimize_portfolio(args.problem, time_limit=args.time_limit)
    if not plan.feasible:
        emit(plan.explain(), args.output)
        return portfolio_exit_code(plan)
    reg = load_register(args.register)
    drafts = draft_agreements(args.problem, plan, city=args.city)
    paths = save_drafts(reg, drafts)
    lines = [f"{len(paths)} draft agreements saved in {args.register}:"]
    for a, path in zip(drafts, paths, strict=True):
        todo = a.smart_issues()
        lines.append(f"  {path.name:40s} {a.start}–{a.end}  {len(todo)} to fill in")
        lines.extend(f"      - {t}" for t in todo)
    emit("\n".join(lines), args.output)
    return 0


# --------------------------------------------------------------------------- review, report
def add_review(sub: Subparsers) -> None:
    """The ``review`` command's arguments."""
    rv = sub.add_parser(
        "review",
        help="renew / sunset / reclassify / set-term / needs-objectives, each class on its own rules",
    )
    rv.add_argument("register", help="folder of agreement TOML files ('example' for Toronto's)")
    rv.add_argument(
        "--criteria",
        help="criteria set scoring the partners of the economic classes (Partnership, MOU; e.g. "
        "partnership-city); every other class is scored on its own set (Friendship: "
        "friendship-city)",
    )
    rv.add_argument(
        "--candidates",
        help="candidate table the partners are scored in (default: the shipped cities)",
    )
    rv.add_argument(
        "--as-of",
        dest="as_of",
        help="review date YYYY-MM-DD (default today; for 'example', the example's date 2026-11-27)",
    )
    rv.add_argument(
        "--months", type=non_negative_int, default=12, help="review window before the end of term"
    )
    rv.add_argument(
        "--cap",
        type=non_negative_int,
        default=None,
        help="cap on active agreements (default: the policy's, else 10)",
    )
    rv.add_argument(
        "--policy",
        help="policy file (TOML; 'example' for the shipped one): the classes' criteria sets "
        "and terms, the cap",
    )
    rv.add_argument("--format", choices=["table", "json"], default="table")
    rv.add_argument("--output")
    rv.set_defaults(func=cmd_review)


def _as_of(text: str | None, register: str) -> date:
    if text is None:
        if register == "example":
            from ..datasets import EXAMPLE_AS_OF

            return EXAMPLE_AS_OF
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--as-of must be a date YYYY-MM-DD; got {text!r}.") from exc


def _register_path(path: str) -> str:
    return example_path("register") if path == "example" else path


def _policy_path(path: str) -> str:
    return example_path("policy") if path == "example" else path


def cmd_review(args: argparse.Namespace) -> int:
    """``citymatch review``: one recommendation per agreement (JSON: the contract's response)."""
    from ..agreements import load_register, review
    from ..service.contract import review_response

    if args.candidates is not None and not args.criteria:
        raise UsageError("--candidates needs --criteria (the set the partners are scored on).")
    as_of = _as_of(args.as_of, args.register)
    reg = load_register(_register_path(args.register))
    cands = None
    if args.criteria:
        cands = example_path("cities") if args.candidates in (None, "example") else args.candidates
    rules, cap = None, 10 if args.cap is None else args.cap
    if args.policy:
        from ..agreements import class_rules, load_policy

        policy = load_policy(_policy_path(args.policy))
        rules = class_rules(policy)
        cap = policy.cap if args.cap is None else args.cap
    rv = review(reg, args.criteria, cands, as_of=as_of, months=args.months, cap=cap, rules=rules)
    if args.format == "json":
        emit_model(review_response(rv), args.output)
        return 0
    cols = ["id", "class", "status", "term", "recommendation", "new_class", "reasons"]
    t = rv.table[cols].fillna("")
    lines = [repr(rv), "", f"{'id':20s} {'class':21s} {'status':10s} {'term':10s} decision"]
    for rec in t.to_dict("records"):
        target = f" → {rec['new_class']}" if rec["new_class"] else ""
        lines.append(
            f"{rec['id']!s:20s} {rec['class']!s:21s} {rec['status']!s:10s} {rec['term']!s:10s} "
            f"{rec['recommendation']!s}{target}"
        )
        lines.append(f"{'':20s} {rec['reasons']!s}")
    emit("\n".join(lines), args.output)
    return 0


def add_report(sub: Subparsers) -> None:
    """The ``report`` command's arguments."""
    rp = sub.add_parser("report", help="the annual activity summary (Markdown or HTML)")
    rp.add_argument("register", help="folder of agreement TOML files ('example' for Toronto's)")
    rp.add_argument("--year", type=year, required=True)
    rp.add_argument(
        "--format",
        choices=["md", "html"],
        help="Markdown or HTML (default: what --output's suffix says, else Markdown)",
    )
    rp.add_argument(
        "--policy",
        help="policy file (TOML; 'example' for the shipped one): show how the year's "
        "activities serve its goals",
    )
    rp.add_argument(
        "--organisations",
        default="example",
        help="table of the alternative partners (id, kind, city_id) whose kind and metro the "
        "'citywide organisations engaged' section reports (default: the shipped "
        "organisations.csv)",
    )
    rp.add_argument("--output", help="write to this file (.md, .html; atomically)")
    rp.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """``citymatch report``: the annual activity summary."""
    from ..agreements import annual_report, load_policy, load_register

    suffix = Path(args.output).suffix.lower() if args.output else ""
    implied = {".html": "html", ".htm": "html", ".md": "md"}.get(suffix)
    if args.format and implied and args.format != implied:
        raise UsageError(
            f"--format {args.format} and --output {args.output!r} disagree; drop --format to "
            "write what the suffix says, or rename the file."
        )
    fmt = args.format or implied or "md"
    from ..io import read_table

    policy = load_policy(_policy_path(args.policy)) if args.policy else None
    orgs = read_table(
        example_path("organisations") if args.organisations == "example" else args.organisations
    )
    reg = load_register(_register_path(args.register))
    rep = annual_report(reg, args.year, policy=policy, organisations=orgs)
    emit(rep.to_html() if fmt == "html" else rep.to_markdown(), args.output)
    return 0
