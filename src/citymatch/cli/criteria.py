"""The ``criteria`` command: list, show, validate (AHP consistency included) and new."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CriteriaError, InconsistentJudgementsWarning
from .output import Subparsers, UsageError

if TYPE_CHECKING:
    from ..models.criteria import CriteriaSet

__all__ = ["add_criteria", "cmd_criteria"]


def add_criteria(sub: Subparsers) -> None:
    """The ``criteria`` command's arguments."""
    c = sub.add_parser(
        "criteria",
        help="list, show, validate or start (new) criteria sets",
        description="List, show or validate criteria sets, or write a commented template for "
        "a new one (`criteria new NAME` writes NAME.toml, or --output PATH).  `validate` exits "
        "1 when the set is invalid or its AHP judgements are more inconsistent than its "
        "threshold (CR), printing the revisions that repair them.",
    )
    c.add_argument("action", choices=["list", "show", "validate", "new"])
    c.add_argument("target", nargs="?", help="a set's NAME or PATH (for new: the new set's name)")
    c.add_argument("--output", help="with new: the file to write (default NAME.toml here)")
    c.add_argument(
        "--policy",
        help="with validate or list: a policy file (TOML; 'example' for the shipped one); check the goals the set(s) and their "
        "criteria reference against its strategic goals (an unknown goal: exit 1) and report "
        "the goals each serves and the policy goals none serves",
    )
    c.set_defaults(func=cmd_criteria)


def cmd_criteria(args: argparse.Namespace) -> int:
    """``citymatch criteria list|show|validate``."""
    from ..models.criteria import list_criteria, load_criteria

    if args.policy is not None and args.action not in ("list", "validate"):
        raise UsageError(f"--policy is for `criteria validate` and `list`; not {args.action}.")
    if args.action == "list":
        sets = [load_criteria(name) for name in list_criteria()]
        for cs in sets:
            print(f"{cs.name:24s} {cs.title} (v{cs.version}, {len(cs.criteria)} criteria)")
        if args.policy is not None:
            print(_goal_text(sets, args.policy))
        return 0
    if args.target is None:
        raise UsageError(f"`criteria {args.action}` needs a NAME or PATH.")
    if args.action == "new":
        return _new_criteria(args.target, args.output)
    if args.output is not None:
        raise UsageError(f"--output is for `criteria new`; `criteria {args.action}` prints.")
    with warnings.catch_warnings():  # inconsistency is reported below, as an error for validate
        warnings.simplefilter("ignore", InconsistentJudgementsWarning)
        cs = load_criteria(args.target)
    if args.action == "validate":
        _check_consistency(cs, args.target)
        goals = None if args.policy is None else _goal_text([cs], args.policy)  # may raise
        print(
            f"{args.target}: valid criteria set {cs.name!r} v{cs.version} ({len(cs.criteria)} criteria; weights {cs.weight_source})."
        )
        if goals is not None:
            print(goals)
        return 0
    print(f"{cs.title} — {cs.name} v{cs.version}\n{cs.source}\nweights: {cs.weight_source}")
    if cs.served_goals:
        print(f"goals served: {', '.join(cs.served_goals)}")
    weights = [float("nan")] * len(cs.ids) if cs.needs_data else cs.weights  # from the data
    for c, w in zip(cs.criteria, weights, strict=True):
        print(f"  {c.id:22s} {w:6.3f}  {c.direction:7s}  {c.column}  — {c.rationale}")
    for r in cs.screening:
        print(f"  screen {r.id}: {r.description}")
    return 0


def _goal_text(sets: list[CriteriaSet], policy_path: str) -> str:
    """The goals the sets and their criteria serve, checked against the policy's goals."""
    from ..agreements.goals import goal_coverage
    from ..agreements.policy import load_policy
    from ..datasets import data_path

    policy = load_policy(data_path("policy") if policy_path == "example" else policy_path)
    cov = goal_coverage(policy, criteria=sets)
    lines = []
    for cs in sets:
        own = ", ".join(cs.goals) or "none named"
        lines.append(f"{cs.name}: serves goals {own}")
        lines.extend(f"  criterion {c.id}: {', '.join(c.goals)}" for c in cs.criteria if c.goals)
    none = ", ".join(f"{g} ({cov.titles[g]})" for g in cov.unserved)
    lines.append(
        f"policy {policy.name!r}: every goal is served by these sets"
        if not none
        else f"policy {policy.name!r}: goals served by none of these sets: {none}"
    )
    return "\n".join(lines)


def _new_criteria(name: str, output: str | None) -> int:
    """``criteria new NAME``: write a commented, valid template; never over an existing file."""
    import re

    from .._util import atomic_write
    from .template import CRITERIA_TEMPLATE

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]*", name):
        raise UsageError(
            f"the new set's NAME must start with a letter and hold only letters, digits, _ "
            f"and -; got {name!r}."
        )
    path = Path(output) if output else Path(f"{name}.toml")
    if path.suffix.lower() != ".toml":
        raise UsageError(f"--output must be a .toml file; got {str(path)!r}.")
    if path.exists():
        raise UsageError(f"{str(path)!r} already exists; choose another --output (not replaced).")
    atomic_write(path, CRITERIA_TEMPLATE.replace("{name}", name), name="--output")
    print(
        f"wrote {path}: a commented criteria set {name!r} with two example criteria; edit it, "
        f"then check it with `citymatch criteria validate {path}`."
    )
    return 0


def _check_consistency(cs: CriteriaSet, target: str) -> None:
    """Raise (exit 1) when an AHP node's CR exceeds the set's threshold, with the repair."""
    from ..sensitivity.ahp_uncertainty import ahp_repair

    if cs.ahp is None:
        return
    spec = cs.ahp
    local = cs.ahp_result().local
    lines = []
    for node in spec.nodes:
        cr = float(local[node.id].cr)
        if cr <= spec.threshold:
            continue
        fix = ahp_repair(
            [list(row) for row in node.matrix],
            ri=spec.ri,
            threshold=spec.threshold,
            labels=list(node.children),
        )
        steps = "; ".join(
            f"set {i} vs {j} from {_judgement(a)} to {_judgement(b)} (CR → {c:.3f})"
            for i, j, a, b, c in fix.steps.itertuples(index=False, name=None)
        )
        worst = fix.judgements.iloc[0]
        lines.append(
            f"  node {node.id!r}: CR {cr:.3f} > {spec.threshold:g}; the least consistent "
            f"judgement is {worst.i} vs {worst.j} = {_judgement(worst.a_ij)} (consistent "
            f"value {worst.consistent_value:.3g}). Suggested repair: {steps or 'none found'}."
        )
    if lines:
        raise CriteriaError(
            f"{target}: criteria set {cs.name!r} v{cs.version} is NOT valid: its AHP judgements "
            f"are not acceptably consistent (threshold CR {spec.threshold:g}, RI "
            f"{spec.ri}):\n" + "\n".join(lines)
        )


def _judgement(value: float) -> str:
    """A pairwise judgement as written in a criteria file: ``3``, ``1/3``, ``1.25``."""
    if value >= 1:
        return f"{value:.3g}"
    inverse = 1.0 / value
    return f"1/{inverse:.3g}" if abs(inverse - round(inverse)) < 1e-9 else f"{value:.3g}"
