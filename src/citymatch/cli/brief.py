"""The ``brief`` command: the decision brief for a council meeting, as HTML or PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .output import Subparsers, UsageError, emit, non_negative_int, positive_int
from .scoring import add_table_args, rank_table

__all__ = ["add_brief", "cmd_brief"]

#: ``--output`` suffixes the command writes.
BRIEF_SUFFIXES = (".html", ".htm", ".pdf")


def add_brief(sub: Subparsers) -> None:
    """The ``brief`` command's arguments."""
    b = sub.add_parser(
        "brief",
        help="the decision brief for a council meeting (HTML or PDF, one or two A4 pages)",
        description="Rank the candidates and write a one- or two-page decision brief: the "
        "recommendation, the top candidates and why, how robust the lead is (rank "
        "acceptability, tipping weights in words) and, with --portfolio, what the plan costs "
        "per year.  PDF output needs a Chromium-family browser (chromium, google-chrome; or "
        "$CITYMATCH_BROWSER).",
    )
    add_table_args(b)
    b.add_argument(
        "--portfolio",
        dest="problem",
        metavar="PROBLEM",
        help="portfolio problem (TOML/JSON; 'example' for the shipped Toronto plan): add what "
        "the optimal plan costs per year",
    )
    b.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        dest="time_limit",
        help="seconds for the portfolio solver (default 60)",
    )
    b.add_argument("--title", help="the brief's title (default: from the criteria set)")
    b.add_argument("--top", type=positive_int, default=5, help="candidates listed (default 5)")
    b.add_argument(
        "--samples",
        type=positive_int,
        default=2_000,
        help="weight draws of the rank acceptability (default 2,000)",
    )
    b.add_argument("--seed", type=non_negative_int, default=0, help="seed of the weight draws")
    b.add_argument(
        "--output",
        help="write the brief here (atomically): .html or .pdf (default: HTML on stdout)",
    )
    b.set_defaults(func=cmd_brief)


def cmd_brief(args: argparse.Namespace) -> int:
    """``citymatch brief``: rank, (optionally) plan, and write the brief."""
    if args.output is not None and Path(args.output).suffix.lower() not in BRIEF_SUFFIXES:
        raise UsageError(
            f"--output must end in {', '.join(BRIEF_SUFFIXES)} (the brief is HTML or PDF); "
            f"got {args.output!r}."
        )
    from ..briefing import brief

    if args.output is not None and Path(args.output).suffix.lower() == ".pdf":
        from ..briefing import find_browser

        find_browser()  # no browser: say so before any work

    ranking = rank_table(args)
    sources = [f"candidates: {Path(args.candidates).name}"]
    plan = None
    if args.problem is not None:
        from ..portfolio import optimize_portfolio

        plan = optimize_portfolio(args.problem, time_limit=args.time_limit)
        sources.append(f"portfolio problem: {Path(args.problem).name}")
    doc = brief(
        ranking,
        plan=plan,
        title=args.title,
        top=args.top,
        samples=args.samples,
        rng=args.seed,
        sources=sources,
    )
    if args.output is None:
        emit(doc.html, None)
        return 0
    doc.to_file(args.output)
    sys.stdout.write(f"Brief written to {args.output}: it recommends {doc.leader}.\n")
    return 0
