"""Commands that score candidates: ``rank``, ``ahp``, ``sensitivity``, ``demo``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .._files import read_document
from ..errors import (
    CandidateDataError,
    CitymatchValueError,
    MissingValuesError,
    PairwiseMatrixError,
)
from .output import (
    Subparsers,
    UsageError,
    add_format_output,
    add_progress,
    emit,
    emit_model,
    emit_table,
    non_negative_int,
    output_format,
    positive_float,
    positive_int,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..rank import Ranking
    from ..service.contract import SensitivityResponse

__all__ = [
    "add_ahp",
    "add_demo",
    "add_rank",
    "add_sensitivity",
    "cmd_ahp",
    "cmd_demo",
    "cmd_rank",
    "cmd_sensitivity",
]


#: What the ``candidates`` argument of ``rank`` and ``sensitivity`` accepts.
CANDIDATES_HELP = (
    "CSV, Parquet or XLSX file of candidates; 'example' for the shipped cities, "
    "'example-organisations' for the shipped alternative partners (universities, ports, "
    "agencies …: rank them with --criteria alternative-partner)"
)


def add_table_args(p: argparse.ArgumentParser) -> None:
    """The table arguments :func:`rank_table` reads.

    ``candidates``, ``--criteria``, ``--missing``, and ``--id-column`` / ``--name-column``
    (which columns of the analyst's table hold what).
    """
    p.add_argument("candidates", help=CANDIDATES_HELP)
    p.add_argument("--criteria", required=True, help="shipped set name or TOML/JSON path")
    p.add_argument(
        "--missing",
        choices=["error", "drop", "worst"],
        default="error",
        help="missing criterion values: an error (default), drop the candidate, or fill with "
        "the column's worst observed value",
    )
    p.add_argument(
        "--id-column",
        dest="id_column",
        metavar="COLUMN",
        help="column holding each candidate's id (default: 'id' if present, else row numbers)",
    )
    p.add_argument(
        "--name-column",
        dest="name_column",
        metavar="COLUMN",
        help="column holding each candidate's name, shown in the ranking (default: 'name')",
    )


#: Library keywords a table error may name, as the command line spells them.
_FLAGS = {"`id_column`": "--id-column", "`name_column`": "--name-column"}


@contextmanager
def cli_spelling() -> Iterator[None]:
    """Errors raised inside name command-line flags (``--missing drop``), not keywords."""
    try:
        yield
    except MissingValuesError as exc:
        raise exc.for_cli() from exc
    except CandidateDataError as exc:
        text = str(exc)
        if not any(k in text for k in _FLAGS):
            raise
        for keyword, flag in _FLAGS.items():
            text = text.replace(keyword, flag)
        raise CandidateDataError(text) from exc


def rank_table(
    args: argparse.Namespace,
    *,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
) -> Ranking:
    """Rank the command's table in memory, errors worded in command-line flags.

    The table arguments every ranking command shares: ``candidates``, ``--criteria``,
    ``--missing`` and the column flags (:func:`add_table_args`).
    """
    from ..rank import rank

    with cli_spelling():
        return rank(
            args.candidates,
            args.criteria,
            missing=args.missing,
            id_column=args.id_column,
            name_column=args.name_column,
            method=method,
            method_options=method_options,
        )


# --------------------------------------------------------------------------- rank
def add_rank(sub: Subparsers) -> None:
    """The ``rank`` command's arguments."""
    r = sub.add_parser("rank", help="rank candidates under a criteria set")
    add_table_args(r)
    r.add_argument("--top", type=int, help="show the top K only (ties at the cut are kept)")
    add_format_output(
        r, formats=("table", "csv", "json", "md", "html"), printed="the table as text"
    )
    r.add_argument(
        "--stream",
        action="store_true",
        help="stream a Parquet file or folder larger than memory in chunks "
        "(with --top K and/or --scores FILE)",
    )
    r.add_argument(
        "--scores", help="with --stream: write every ranked candidate's score to this Parquet file"
    )
    r.add_argument(
        "--chunk-rows", type=positive_int, default=262_144, help="rows per chunk with --stream"
    )
    add_progress(r)
    r.add_argument(
        "--method",
        type=method_name,
        help="scoring method: topsis, vikor, promethee_ii, wsm, wpm, waspas, spotis, copras, "
        "mabac (default: the criteria set's, TOPSIS unless it says otherwise)",
    )
    r.add_argument(
        "--method-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the method, repeatable (VALUE read as JSON, else text): "
        "--method vikor --method-option v=0.3",
    )
    r.set_defaults(func=cmd_rank)


def method_name(text: str) -> str:
    """A ``--method`` value: one of the scoring methods (else a usage error, exit 2)."""
    from ..scoring.registry import method_spec

    try:
        return method_spec(text).name
    except CitymatchValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def method_options(pairs: list[str]) -> dict[str, object] | None:
    """``KEY=VALUE`` pairs as a mapping (VALUE parsed as JSON when it is JSON, else text)."""
    if not pairs:
        return None
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--method-option must be KEY=VALUE; got {pair!r}.")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def _emit_table(args: argparse.Namespace, fmt: str, table: pd.DataFrame, foot: str) -> None:
    cols = [c for c in ("rank", "id", "name", "score") if c in table.columns]
    text = table[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}")
    emit_table(table, text + "\n" + foot, fmt, args.output, title=foot)


def _rank_streamed(args: argparse.Namespace, fmt: str) -> int:
    from ..scale.parquet import rank_parquet
    from ..service.contract import streamed_rank_response

    if args.top is None and args.scores is None:
        raise UsageError("--stream needs --top K (keep the best K) and/or --scores FILE.parquet.")
    if args.top is None and fmt not in ("table", "json"):
        raise UsageError(
            f"--stream without --top writes every score to --scores; there is no table for "
            f"--output {args.output!r} (add --top K, or drop --output)."
        )
    if args.method is not None:
        from ..scoring.registry import require_path

        try:
            require_path(args.method, "stream")
        except CitymatchValueError as exc:
            raise UsageError(str(exc)) from exc
    options = method_options(args.method_option)
    labels = {k: v for k in ("id_column", "name_column") if (v := getattr(args, k)) is not None}
    with cli_spelling():
        res = rank_parquet(
            args.candidates,
            args.criteria,
            missing=args.missing,
            top=args.top,
            output=args.scores,
            chunk_rows=args.chunk_rows,
            progress=args.progress,
            method=args.method,
            method_options=options,
            **labels,
        )
    if fmt == "json":
        emit_model(streamed_rank_response(res), args.output)
        return 0
    cs = res.criteria
    scores = f" · all scores in {res.output}" if res.output else ""
    foot = (
        f"{res.n:,} ranked (streamed), {res.n_excluded:,} excluded · criteria {cs.name} "
        f"v{cs.version} · TOPSIS ({res.normalization}){scores}"
    )
    if args.top is None:  # every score went to the file: no table to show, just what was done
        emit(foot, args.output)
        return 0
    _emit_table(args, fmt, res.to_frame(), foot)
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    """``citymatch rank``: in memory, or streamed over Parquet with ``--stream``.

    ``--output``'s suffix picks the format (:func:`~.output.output_format`): the full
    ranked table (scores, ranks, distances, contributions) as CSV, XLSX, Parquet,
    Markdown or HTML, the contract's JSON, or the printed text.
    """
    fmt = output_format(args.format, args.output)
    if args.stream:
        return _rank_streamed(args, fmt)
    if args.scores is not None:
        raise UsageError("--scores needs --stream.")
    from ..service.contract import rank_response

    ranking = rank_table(
        args, method=args.method, method_options=method_options(args.method_option)
    )
    if fmt == "json":
        emit_model(rank_response(ranking, top=args.top), args.output)
        return 0
    table = ranking.to_frame() if args.top is None else ranking.top(args.top)
    cs = ranking.criteria
    from ..scoring.registry import method_spec

    better = "higher" if method_spec(ranking.method).higher_is_better else "lower"
    how = (
        f"TOPSIS ({ranking.topsis_result.normalization})"
        if ranking.method == "TOPSIS"
        else f"{ranking.method} ({better} score is better)"
    )
    foot = (
        f"{len(ranking.table)} ranked, {len(ranking.excluded)} excluded by screening · "
        f"criteria {cs.name} v{cs.version} · weights {cs.weight_source} · {how}"
    )
    _emit_table(args, fmt, table, foot)
    return 0


# --------------------------------------------------------------------------- sensitivity
def add_sensitivity(sub: Subparsers) -> None:
    """The ``sensitivity`` command's arguments."""
    s = sub.add_parser("sensitivity", help="rank acceptability (SMAA-2) and weight stability")
    add_table_args(s)
    s.add_argument("--samples", type=positive_int, default=10_000)
    s.add_argument("--seed", type=non_negative_int, default=0)
    s.add_argument("--sampler", choices=["uniform", "dirichlet"], default="uniform")
    s.add_argument(
        "--concentration",
        type=positive_float,
        default=50.0,
        help="Dirichlet concentration (sampler)",
    )
    s.add_argument("--top-k", type=positive_int, default=3, dest="top_k")
    s.add_argument("--rows", type=positive_int, default=15, help="rows shown in the table")
    s.add_argument("--plot", help="save the rank-acceptability heat map (.png, .svg, .pdf)")
    add_format_output(s)
    add_progress(s)
    s.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``citymatch sensitivity``: the contract's sensitivity response, as a table or JSON."""
    from ..sensitivity.report import acceptability_and_stability
    from ..service.contract import sensitivity_response

    fmt = output_format(args.format, args.output)
    ranking = rank_table(args)
    acc, stab = acceptability_and_stability(
        ranking,
        samples=args.samples,
        rng=args.seed,
        sampler=args.sampler,
        concentration=args.concentration,
        k=args.top_k,
        progress=args.progress,
    )
    if args.plot:
        from ..plot import save

        save(acc.plot(), args.plot)
    resp = sensitivity_response(ranking, acc, stab, seed=args.seed)
    if fmt == "json":
        emit_model(resp, args.output)
    else:
        frame = _sensitivity_frame(resp)
        text = _sensitivity_text(resp, frame, args.rows)
        emit_table(frame, text, fmt, args.output, title=f"Rank acceptability · {resp.criteria}")
    return 0


def _sensitivity_frame(resp: SensitivityResponse) -> pd.DataFrame:
    """One row per candidate, by expected rank: rank, p_first, p_top<k>, confidence."""
    import pandas as pd

    return pd.DataFrame(
        {
            "id": [c.id for c in resp.candidates],
            "rank": [c.rank for c in resp.candidates],
            "p_first": [c.p_first for c in resp.candidates],
            f"p_top{resp.k}": [c.p_top_k for c in resp.candidates],
            "expected_rank": [c.expected_rank for c in resp.candidates],
            "confidence": [c.confidence for c in resp.candidates],
        }
    ).sort_values("expected_rank", kind="stable")


def _sensitivity_text(resp: SensitivityResponse, frame: pd.DataFrame, rows: int) -> str:
    lines = [frame.head(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"), ""]
    f = resp.winner_flip
    if f:
        lines.append(
            f"Winner {resp.winner}: the smallest single-weight change that flips it moves "
            f"{f['criterion']} from {f['base_weight']:.4f} to {f['new_weight']:.4f} "
            f"({f['challenger']} takes first place)."
        )
    else:
        lines.append(f"Winner {resp.winner}: no single-criterion weight change flips it.")
    lines.append(
        f"{resp.samples:,} weight samples ({resp.sampler}, seed {resp.seed}); "
        f"criteria {resp.criteria} v{resp.criteria_version}."
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- ahp
def add_ahp(sub: Subparsers) -> None:
    """The ``ahp`` command's arguments."""
    a = sub.add_parser("ahp", help="weights and consistency of a pairwise matrix (CSV or JSON)")
    a.add_argument("matrix")
    a.add_argument("--method", choices=["eigenvector", "geometric_mean"], default="eigenvector")
    a.add_argument("--ri", default="saaty1980", help="random-index table")
    add_format_output(a)
    a.set_defaults(func=cmd_ahp)


def _read_matrix(path: str) -> list[list[float | str]]:
    from ..io import read_table

    p = Path(path)
    if not p.exists():
        raise PairwiseMatrixError(f"`MATRIX` file {path!r} does not exist.")
    if p.suffix.lower() == ".json":
        doc = read_document(p, where=f"`MATRIX` file {path!r}", error=PairwiseMatrixError)
        matrix = doc["matrix"] if isinstance(doc, dict) and "matrix" in doc else doc
        if not isinstance(matrix, list):
            raise PairwiseMatrixError(
                f"`MATRIX` file {path!r} must hold a JSON array of rows (or an object with a "
                f'"matrix" array); got a JSON {type(matrix).__name__}.'
            )
        return matrix
    frame = read_table(p, name="MATRIX")
    first = frame.columns[0]
    if frame[first].dtype.kind not in "biuf":  # a label column
        frame = frame.set_index(first)
    return [[str(v) for v in row] for row in frame.astype(str).to_numpy().tolist()]


def cmd_ahp(args: argparse.Namespace) -> int:
    """``citymatch ahp``: weights and consistency (the contract's AHP response as JSON)."""
    import pandas as pd

    from ..errors import RandomIndexError
    from ..scoring.ahp import RI_TABLES, ahp, random_index
    from ..service.contract import ahp_response

    fmt = output_format(args.format, args.output)
    try:
        random_index(3, args.ri)  # the table exists (its range is checked on the matrix)
    except RandomIndexError:
        raise UsageError(
            f"--ri must name a random-index table ({', '.join(RI_TABLES)}); got {args.ri!r}."
        ) from None
    res = ahp(_read_matrix(args.matrix), method=args.method, ri=args.ri)
    if fmt == "json":
        emit_model(ahp_response(res), args.output)
        return 0
    lines = [f"w{i + 1} = {w:.4f}" for i, w in enumerate(res.weights)]
    lines.append(
        f"λmax = {res.lambda_max:.4f}  CI = {res.ci:.4f}  CR = {res.cr:.4f} "
        f"({'consistent' if res.consistent else 'NOT consistent'} at {res.threshold:g}; "
        f"RI {res.ri_table} = {res.ri:g})"
    )
    frame = pd.DataFrame(
        {"criterion": [f"w{i + 1}" for i in range(len(res.weights))], "weight": res.weights}
    )
    emit_table(frame, "\n".join(lines), fmt, args.output, title="AHP weights")
    return 0


# --------------------------------------------------------------------------- demo
def add_demo(sub: Subparsers) -> None:
    """The ``demo`` command's arguments."""
    d = sub.add_parser("demo", help="the main job on the shipped Toronto example, in one screen")
    d.add_argument("--output", help="write to this file (atomically) instead of stdout")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the shipped data, end to end, in one terminal screen."""
    from ..datasets import load_cities, load_organisations
    from ..rank import rank

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
    lines += _current_lines(cities)
    lines.append(
        f"Weights: {part.criteria.weight_source}; TOPSIS, {part.topsis_result.normalization} normalisation."
    )
    emit("\n".join(lines), args.output)
    return 0


def _current_lines(cities: pd.DataFrame) -> list[str]:
    """Step 5: each agreement in force ranked among all cities on its class's criteria set.

    The sets come from :data:`citymatch.agreements.CLASS_RULES`: Friendship on cultural ties,
    never on the economic set; International Projects on their KPIs only.
    """
    from ..agreements import CLASS_RULES
    from ..rank import rank

    current = cities[cities["existing_active"] == 1]
    ranks: dict[str, dict[object, int]] = {}
    for name in {r.criteria for r in CLASS_RULES.values() if r.criteria is not None}:
        table = rank(cities, name, screening=False, missing="worst").to_frame()
        ranks[name] = table.set_index("id")["rank"].to_dict()
    n = len(cities)
    out = [f"5. Agreements in force, each ranked among all {n} cities on its class's criteria:"]
    for row in current.itertuples(index=False):
        rule = CLASS_RULES.get(str(row.existing_class))
        if rule is None or rule.criteria is None:
            where = "judged on its KPIs only"
        else:
            where = f"rank {int(ranks[rule.criteria][row.id]):2d}/{n} on {rule.criteria}"
        out.append(f"   {row.name:18s} {row.existing_class:21s} {where}")
    return out


def _rule_counts(excluded: pd.DataFrame) -> str:
    counts: dict[str, int] = {}
    for rules in excluded["rule"]:
        for rule in str(rules).split("; "):
            counts[rule] = counts.get(rule, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _top_lines(ranking: Ranking, k: int) -> list[str]:
    top = ranking.top(k)
    kinds = top["kind"] if "kind" in top.columns else [""] * len(top)
    return [
        f"   {r:2d}. {name:38s} {score:.3f}  {kind if kind != 'city' else ''}".rstrip()
        for r, name, score, kind in zip(top["rank"], top["name"], top["score"], kinds, strict=True)
    ]
