"""The ``citymatch`` command line.

Exit codes: 0 success; 1 data error (one paragraph naming the file, row and column —
no traceback unless ``--debug``); 2 usage error.  Output files are written
atomically: an error never leaves a half-written file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from . import __version__
from .datasets import data_path
from .errors import CitymatchError
from .io import atomic_write_text, read_table
from .models.criteria import list_criteria, load_criteria
from .rank import rank
from .scoring.ahp import ahp

__all__ = ["main"]


def _example(name: str) -> Path:
    """A shipped example table (inside the wheel, or examples/data in a checkout)."""
    return data_path(name)


def _emit(text: str, output: str | None) -> None:
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _frame_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _emit_ranking(
    args: argparse.Namespace,
    table: pd.DataFrame,
    excluded: pd.DataFrame,
    cs: Any,
    normalization: str,
    foot: str,
    extra: dict[str, Any],
) -> None:
    """Print or write a ranking as a table, CSV or JSON (in-memory and streamed alike)."""
    if args.format == "json":
        doc = {
            "criteria": cs.name,
            "criteria_version": cs.version,
            "weights": {k: float(v) for k, v in zip(cs.ids, cs.weights, strict=True)},
            "weight_source": cs.weight_source,
            "normalization": normalization,
            "citymatch_version": __version__,
            **extra,
            "ranking": _frame_json(table),
            "excluded": _frame_json(excluded),
        }
        _emit(json.dumps(doc, indent=2, ensure_ascii=False), args.output)
    elif args.format == "csv":
        _emit(table.to_csv(index=False), args.output)
    else:
        cols = [c for c in ("rank", "id", "name", "score") if c in table.columns]
        text = table[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}")
        _emit(text + "\n" + foot, args.output)


def _cmd_rank_streamed(args: argparse.Namespace) -> int:
    if args.top is None and args.scores is None:
        raise _Usage("--stream needs --top K (keep the best K) and/or --scores FILE.parquet.")
    from .scale.parquet import rank_parquet

    res = rank_parquet(
        args.candidates,
        args.criteria,
        missing=args.missing,
        top=args.top,
        output=args.scores,
        chunk_rows=args.chunk_rows,
    )
    cs = res.criteria
    scores = f" · all scores in {res.output}" if res.output else ""
    foot = (
        f"{res.n:,} ranked (streamed), {res.n_excluded:,} excluded · criteria {cs.name} "
        f"v{cs.version} · TOPSIS ({res.normalization}){scores}"
    )
    extra = {
        "ranked": res.n,
        "excluded_count": res.n_excluded,
        "scores_file": str(res.output) if res.output else None,
    }
    _emit_ranking(args, res.to_frame(), res.excluded, cs, res.normalization, foot, extra)
    return 0


def _cmd_rank(args: argparse.Namespace) -> int:
    if args.stream:
        return _cmd_rank_streamed(args)
    if args.scores is not None:
        raise _Usage("--scores needs --stream.")
    ranking = rank(args.candidates, args.criteria, missing=args.missing)
    table = ranking.to_frame() if args.top is None else ranking.top(args.top)
    cs = ranking.criteria
    foot = (
        f"{len(ranking.table)} ranked, {len(ranking.excluded)} excluded by screening · "
        f"criteria {cs.name} v{cs.version} · weights {cs.weight_source} · "
        f"TOPSIS ({ranking.result.normalization})"
    )
    _emit_ranking(args, table, ranking.excluded, cs, ranking.result.normalization, foot, {})
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from . import sensitivity as sa

    if args.samples < 1:
        raise _Usage(f"--samples must be a positive integer; got {args.samples}.")
    ranking = rank(args.candidates, args.criteria, missing=args.missing)
    n = len(ranking.table)
    k = min(args.top_k, n - 1)
    acc = sa.rank_acceptability(ranking, samples=args.samples, rng=args.seed, sampler=args.sampler)
    stab = sa.stability_intervals(ranking, k=k)
    p_first = acc.acceptability[:, 0]
    p_topk = acc.top_k_probability(k).to_numpy()
    expected = acc.acceptability @ np.arange(1, n + 1)
    frame = pd.DataFrame(
        {
            "id": acc.ids,
            "p_first": p_first,
            f"p_top{k}": p_topk,
            "expected_rank": expected,
            "confidence": acc.confidence,
        }
    )
    base = ranking.table.set_index("id")["rank"]
    frame.insert(1, "rank", frame["id"].map(base).astype(int))
    frame = frame.sort_values("expected_rank", kind="stable").reset_index(drop=True)
    if args.plot:
        from .plot import save

        save(acc.plot(), args.plot)
    if args.format == "json":
        doc = {
            "criteria": ranking.criteria.name,
            "samples": acc.samples,
            "sampler": acc.sampler,
            "seed": args.seed,
            "k": k,
            "candidates": _frame_json(frame),
            "acceptability": {
                i: row.tolist() for i, row in zip(acc.ids, acc.acceptability, strict=True)
            },
            "stability": _frame_json(stab.table),
            "winner_flip": {kk: _jsonable(v) for kk, v in stab.flip.items()},
            "citymatch_version": __version__,
        }
        _emit(json.dumps(doc, indent=2, ensure_ascii=False), args.output)
        return 0
    text = frame.head(args.rows).to_string(index=False, float_format=lambda v: f"{v:.3f}")
    lines = [text, ""]
    if stab.flip:
        f = stab.flip
        lines.append(
            f"Winner {stab.winner}: the smallest single-weight change that flips it moves "
            f"{f['criterion']} from {f['base_weight']:.4f} to {f['new_weight']:.4f} "
            f"({f['challenger']} takes first place)."
        )
    else:
        lines.append(f"Winner {stab.winner}: no single-criterion weight change flips it.")
    lines.append(
        f"{acc.samples:,} weight samples ({acc.sampler}, seed {args.seed}); "
        f"criteria {ranking.criteria.name} v{ranking.criteria.version}."
    )
    _emit("\n".join(lines), args.output)
    return 0


def _cmd_portfolio(args: argparse.Namespace) -> int:
    from . import portfolio as pf

    plan = pf.optimize_portfolio(args.problem, time_limit=args.time_limit)
    front = None
    if args.frontier or args.plot:
        front = pf.efficient_frontier(args.problem, time_limit=args.time_limit)
        if args.plot:
            from .plot import frontier, save

            save(frontier(front), args.plot)
    if args.format == "json":
        from .contract import portfolio_response

        doc: dict[str, Any] = portfolio_response(plan).model_dump(mode="json")
        if front is not None:
            doc["frontier"] = _frame_json(front)
        _emit(json.dumps(doc, indent=2, ensure_ascii=False), args.output)
        return 0 if plan.status in (0, 1) else 1
    lines = [plan.explain(), ""]
    if plan.status in (0, 1):
        lines.append(
            plan.selected[["id", "start", "end", "value", "total_cost"]].to_string(
                index=False, float_format=lambda v: f"{v:,.1f}"
            )
        )
        lines.append("")
        lines.append(
            plan.schedule[
                [
                    "year",
                    "n_active",
                    "n_new",
                    "budget_used",
                    "budget_left",
                    "staff_used",
                    "agreements",
                ]
            ].to_string(index=False, float_format=lambda v: f"{v:,.1f}")
        )
    if front is not None:
        lines += [
            "",
            "Efficient frontier (budget per year → optimal value):",
            front[["factor", "budget_per_year", "value", "n_selected"]].to_string(
                index=False, float_format=lambda v: f"{v:,.1f}"
            ),
        ]
    _emit("\n".join(lines), args.output)
    return 0 if plan.status in (0, 1) else 1


def _cmd_schema(args: argparse.Namespace) -> int:
    from .models.criteria import CriteriaSet
    from .models.portfolio import PortfolioProblem

    out = Path(args.output)
    if not out.is_dir():
        raise _Usage(f"--output must be an existing directory; got {args.output!r}.")
    from pydantic import BaseModel

    from . import contract as ct

    models: list[tuple[str, type[BaseModel]]] = [
        ("portfolio-problem", PortfolioProblem),
        ("criteria-set", CriteriaSet),
    ]
    for op in ("rank", "ahp", "sensitivity", "portfolio", "review"):
        req_model, _ = ct.OPERATIONS[op]
        resp_model = getattr(ct, f"{req_model.__name__.removesuffix('Request')}Response")
        models += [(f"v1-{op}-request", req_model), (f"v1-{op}-response", resp_model)]
    models.append(("decision-record", ct.DecisionRecord))
    for name, model in models:
        atomic_write_text(
            out / f"{name}.schema.json", json.dumps(model.model_json_schema(), indent=2) + "\n"
        )
        print(out / f"{name}.schema.json")
    return 0


def _as_of(text: str | None) -> Any:
    from datetime import date

    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _Usage(f"--as-of must be a date YYYY-MM-DD; got {text!r}.") from exc


def _register_path(path: str) -> str:
    return str(data_path("register")) if path == "example" else path


def _cmd_review(args: argparse.Namespace) -> int:
    from .agreements import load_register, review

    as_of = _as_of(args.as_of)
    reg = load_register(_register_path(args.register))
    cands = None
    if args.criteria:
        cands = str(_example("cities")) if args.candidates in (None, "example") else args.candidates
    rv = review(reg, args.criteria, cands, as_of=as_of, months=args.months, cap=args.cap)
    if args.format == "json":
        doc = {
            "as_of": str(as_of),
            "active": rv.active,
            "cap": rv.cap,
            "agreements": _frame_json(rv.table.astype(object).where(rv.table.notna(), None)),
            "citymatch_version": __version__,
        }
        _emit(json.dumps(doc, indent=2, ensure_ascii=False, default=str), args.output)
        return 0
    t = rv.table[["id", "class", "status", "recommendation", "new_class", "reasons"]].fillna("")
    lines = [repr(rv), ""]
    for rec in t.to_dict("records"):
        target = f" → {rec['new_class']}" if rec["new_class"] else ""
        lines.append(
            f"{rec['id']!s:20s} {rec['class']!s:21s} {rec['status']!s:10s} {rec['recommendation']!s}{target}"
        )
        lines.append(f"{'':20s} {rec['reasons']!s}")
    _emit("\n".join(lines), args.output)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .agreements import annual_report, load_register

    reg = load_register(_register_path(args.register))
    rep = annual_report(reg, args.year)
    _emit(rep.to_html() if args.format == "html" else rep.to_markdown(), args.output)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .server import ServiceSettings, serve

    folder = Path(args.criteria_folder) if args.criteria_folder else None
    if args.workers < 1:
        raise _Usage(f"--workers must be a positive integer; got {args.workers}.")
    serve(args.host, args.port, ServiceSettings(criteria_folder=folder), workers=args.workers)
    return 0


def _cmd_record(args: argparse.Namespace) -> int:
    from .contract import make_record

    try:
        request = json.loads(Path(args.request).read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CitymatchError(
            f"`REQUEST` file {args.request!r} cannot be read as JSON: {exc}"
        ) from exc
    rec = make_record(args.operation, request)
    _emit(rec.model_dump_json(indent=2), args.output)
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from .contract import DecisionRecord, replay

    diffs = replay(args.record)
    rec = DecisionRecord.model_validate_json(Path(args.record).read_text("utf-8"))
    if rec.citymatch_version != __version__:
        print(f"note: recorded with citymatch {rec.citymatch_version}, replayed with {__version__}")
    if diffs:
        print(f"{len(diffs)} difference(s) from the recorded outputs:")
        for d in diffs[:50]:
            print(f"  {d}")
        return 1
    print(f"identical: the {rec.operation} decision reproduces exactly (digest verified).")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the shipped data, end to end, in one terminal screen."""
    from .datasets import load_cities, load_organisations

    cities = load_cities()
    lines = [
        "citymatch demo — Toronto's international partnerships (example data; analyst columns are",
        "illustrative placeholders, see citymatch.datasets.data_dictionary())",
        "",
    ]
    part = rank(cities, "partnership-city")
    lines.append(
        f"1. Screening by the 2005 program rules: {len(cities)} proposals, "
        f"{len(part.excluded)} excluded"
    )
    lines.append(f"   ({_rule_counts(part.excluded)}).")
    lines.append("2. Partnership City candidates (economic outcomes), top 5:")
    lines += _top_lines(part, 5)
    friend = rank(cities, "friendship-city", missing="worst")
    lines.append("3. Friendship City candidates (cultural ties), top 3:")
    lines += _top_lines(friend, 3)
    alt = rank(load_organisations(), "alternative-partner")
    lines.append(
        "4. Alternative partners (universities, incubators, ports, agencies, museums), top 3:"
    )
    lines += _top_lines(alt, 3)
    everyone = rank(cities, "partnership-city", screening=False)
    t = everyone.to_frame().set_index("id")
    current = cities[cities["existing_active"] == 1]
    n = len(t)
    lines.append(
        f"5. Current agreements ranked among all {n} cities on the partnership criteria "
        "(screening off):"
    )
    ranks = t["rank"].to_dict()
    for row in current.itertuples(index=False):
        r = int(ranks[row.id])
        lines.append(f"   {row.name:18s} {row.existing_class:21s} rank {r:2d}/{n}")
    lines.append(
        f"Weights: {part.criteria.weight_source}; TOPSIS, {part.result.normalization} normalisation."
    )
    _emit("\n".join(lines), args.output)
    return 0


def _rule_counts(excluded: pd.DataFrame) -> str:
    counts: dict[str, int] = {}
    for rules in excluded["rule"]:
        for rule in str(rules).split("; "):
            counts[rule] = counts.get(rule, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _top_lines(ranking: Any, k: int) -> list[str]:
    top = ranking.top(k)
    kinds = top["kind"] if "kind" in top.columns else [""] * len(top)
    return [
        f"   {r:2d}. {name:38s} {score:.3f}  {kind if kind != 'city' else ''}".rstrip()
        for r, name, score, kind in zip(top["rank"], top["name"], top["score"], kinds, strict=True)
    ]


def _read_matrix(path: str) -> Any:
    p = Path(path)
    if not p.exists():
        raise CitymatchError(f"`MATRIX` file {path!r} does not exist.")
    if p.suffix.lower() == ".json":
        try:
            doc = json.loads(p.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise CitymatchError(f"`MATRIX` file {path!r} is not valid JSON: {exc}.") from exc
        return doc["matrix"] if isinstance(doc, dict) and "matrix" in doc else doc
    frame = read_table(p, name="MATRIX")
    first = frame.columns[0]
    if not pd.api.types.is_numeric_dtype(frame[first]):  # a label column
        frame = frame.set_index(first)
    return frame.astype(str).to_numpy().tolist()


def _cmd_ahp(args: argparse.Namespace) -> int:
    res = ahp(_read_matrix(args.matrix), method=args.method, ri=args.ri)
    if args.format == "json":
        from .contract import ahp_response

        doc = ahp_response(res).model_dump(mode="json")
        _emit(json.dumps(doc, indent=2), args.output)
    else:
        lines = [f"w{i + 1} = {w:.4f}" for i, w in enumerate(res.weights)]
        lines.append(
            f"λmax = {res.lambda_max:.4f}  CI = {res.ci:.4f}  CR = {res.cr:.4f} "
            f"({'consistent' if res.consistent else 'NOT consistent'} at {res.threshold:g}; "
            f"RI {res.ri_table} = {res.ri:g})"
        )
        _emit("\n".join(lines), args.output)
    return 0


def _cmd_criteria(args: argparse.Namespace) -> int:
    if args.action == "list":
        for name in list_criteria():
            cs = load_criteria(name)
            print(f"{name:24s} {cs.title} (v{cs.version}, {len(cs.criteria)} criteria)")
        return 0
    if args.target is None:
        raise _Usage(f"`criteria {args.action}` needs a NAME or PATH.")
    cs = load_criteria(args.target)
    if args.action == "validate":
        print(
            f"{args.target}: valid criteria set {cs.name!r} v{cs.version} ({len(cs.criteria)} criteria; weights {cs.weight_source})."
        )
        return 0
    print(f"{cs.title} — {cs.name} v{cs.version}\n{cs.source}\nweights: {cs.weight_source}")
    for c, w in zip(cs.criteria, cs.weights, strict=True):
        print(f"  {c.id:22s} {w:6.3f}  {c.direction:7s}  {c.column}  — {c.rationale}")
    for r in cs.screening:
        print(f"  screen {r.id}: {r.description}")
    return 0


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit 2 with a one-line message
        self.print_usage(sys.stderr)
        sys.stderr.write(f"citymatch: error: {message}\n")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="citymatch",
        description="Rank candidate partner cities and organisations (TOPSIS + AHP).",
    )
    p.add_argument("--version", action="version", version=f"citymatch {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for data errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("rank", help="rank candidates under a criteria set")
    r.add_argument(
        "candidates",
        help="CSV, Parquet or XLSX file of candidates ('example' for the shipped cities)",
    )
    r.add_argument("--criteria", required=True, help="shipped set name or TOML/JSON path")
    r.add_argument("--top", type=int, help="show the top K only (ties at the cut are kept)")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    r.add_argument("--missing", choices=["error", "drop", "worst"], default="error")
    r.add_argument("--output", help="write to this file (atomically) instead of stdout")
    r.add_argument(
        "--stream",
        action="store_true",
        help="stream a Parquet file or folder larger than memory in chunks "
        "(with --top K and/or --scores FILE)",
    )
    r.add_argument(
        "--scores", help="with --stream: write every ranked candidate's score to this Parquet file"
    )
    r.add_argument("--chunk-rows", type=int, default=262_144, help="rows per chunk with --stream")
    r.set_defaults(func=_cmd_rank)

    a = sub.add_parser("ahp", help="weights and consistency of a pairwise matrix (CSV or JSON)")
    a.add_argument("matrix")
    a.add_argument("--method", choices=["eigenvector", "geometric_mean"], default="eigenvector")
    a.add_argument("--ri", default="saaty1980", help="random-index table")
    a.add_argument("--format", choices=["table", "json"], default="table")
    a.add_argument("--output")
    a.set_defaults(func=_cmd_ahp)

    s = sub.add_parser("sensitivity", help="rank acceptability (SMAA-2) and weight stability")
    s.add_argument(
        "candidates", help="CSV, Parquet or XLSX file ('example' for the shipped cities)"
    )
    s.add_argument("--criteria", required=True)
    s.add_argument("--samples", type=int, default=10_000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--sampler", choices=["uniform", "dirichlet"], default="uniform")
    s.add_argument("--top-k", type=int, default=3, dest="top_k")
    s.add_argument("--rows", type=int, default=15, help="rows shown in the table")
    s.add_argument("--missing", choices=["error", "drop", "worst"], default="error")
    s.add_argument("--plot", help="save the rank-acceptability heat map (.png, .svg, .pdf)")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.add_argument("--output")
    s.set_defaults(func=_cmd_sensitivity)

    pp = sub.add_parser(
        "portfolio", help="choose the projects that fit budget, staff and cap (MILP)"
    )
    pp.add_argument(
        "problem", help="portfolio problem, JSON or TOML ('example' for the shipped Toronto plan)"
    )
    pp.add_argument("--format", choices=["table", "json"], default="table")
    pp.add_argument(
        "--frontier", action="store_true", help="also compute the value-vs-budget frontier"
    )
    pp.add_argument("--plot", help="save the frontier plot (.png, .svg, .pdf)")
    pp.add_argument("--time-limit", type=float, default=60.0, dest="time_limit")
    pp.add_argument("--output")
    pp.set_defaults(func=_cmd_portfolio)

    sc = sub.add_parser("schema", help="write the JSON Schemas of the input formats")
    sc.add_argument("--output", required=True, help="an existing directory")
    sc.set_defaults(func=_cmd_schema)

    rv = sub.add_parser(
        "review", help="renew / sunset / reclassify / needs-objectives for a register"
    )
    rv.add_argument("register", help="folder of agreement TOML files ('example' for Toronto's)")
    rv.add_argument("--criteria", help="criteria set scoring the partners (e.g. partnership-city)")
    rv.add_argument(
        "--candidates",
        help="candidate table the partners are scored in (default: the shipped cities)",
    )
    rv.add_argument("--as-of", dest="as_of", help="review date YYYY-MM-DD (default today)")
    rv.add_argument("--months", type=int, default=12, help="review window before the end of term")
    rv.add_argument("--cap", type=int, default=10, help="cap on active agreements")
    rv.add_argument("--format", choices=["table", "json"], default="table")
    rv.add_argument("--output")
    rv.set_defaults(func=_cmd_review)

    rp = sub.add_parser("report", help="the annual activity summary (Markdown or HTML)")
    rp.add_argument("register", help="folder of agreement TOML files ('example' for Toronto's)")
    rp.add_argument("--year", type=int, required=True)
    rp.add_argument("--format", choices=["md", "html"], default="md")
    rp.add_argument("--output")
    rp.set_defaults(func=_cmd_report)

    sv = sub.add_parser("serve", help="run the HTTP scoring service (needs the server extra)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument(
        "--criteria-folder",
        dest="criteria_folder",
        help="extra folder of criteria sets served by name",
    )
    sv.add_argument(
        "--workers", type=int, default=1, help="worker processes (one per core is typical)"
    )
    sv.set_defaults(func=_cmd_serve)

    rc = sub.add_parser("record", help="run a JSON request and write its signed decision record")
    rc.add_argument("operation", choices=["rank", "ahp", "sensitivity", "portfolio", "review"])
    rc.add_argument("request", help="request JSON (the /v1 contract)")
    rc.add_argument("--output")
    rc.set_defaults(func=_cmd_record)

    rp2 = sub.add_parser("replay", help="re-run a decision record and report any difference")
    rp2.add_argument("record")
    rp2.set_defaults(func=_cmd_replay)

    d = sub.add_parser("demo", help="the main job on the shipped Toronto example, in one screen")
    d.add_argument("--output", help="write to this file (atomically) instead of stdout")
    d.set_defaults(func=_cmd_demo)

    c = sub.add_parser("criteria", help="list, show or validate criteria sets")
    c.add_argument("action", choices=["list", "show", "validate"])
    c.add_argument("target", nargs="?")
    c.set_defaults(func=_cmd_criteria)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``citymatch`` command."""
    args = _parser().parse_args(argv)
    if getattr(args, "problem", None) == "example":
        args.problem = str(_example("portfolio"))
    if getattr(args, "candidates", None) in ("example", "example-organisations"):
        args.candidates = str(
            _example("cities" if args.candidates == "example" else "organisations")
        )
    if getattr(args, "top", None) is not None and args.top < 1:
        sys.stderr.write(f"citymatch: error: --top must be a positive integer; got {args.top}.\n")
        return 2
    try:
        return int(args.func(args))
    except _Usage as exc:
        sys.stderr.write(f"citymatch: error: {exc}\n")
        return 2
    except (CitymatchError, OSError) as exc:
        if args.debug:
            raise
        source = (
            getattr(args, "candidates", None)
            or getattr(args, "matrix", None)
            or getattr(args, "problem", None)
        )
        text = str(exc)
        if source and str(source) not in text:  # name the file the data came from
            text = f"{source}: {text}"
        sys.stderr.write(f"citymatch: {text}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
