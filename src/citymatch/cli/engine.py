"""Commands of the scoring engine: ``schema``, ``serve``, ``record``, ``replay``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .._util import atomic_write
from ..errors import CitymatchValueError
from .output import Subparsers, UsageError, emit

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "add_record",
    "add_replay",
    "add_schema",
    "add_serve",
    "cmd_record",
    "cmd_replay",
    "cmd_schema",
    "cmd_serve",
    "schema_models",
]


def schema_models() -> list[tuple[str, type[BaseModel]]]:
    """Every exported JSON Schema: file stem → model (input formats, the contract, records)."""
    from ..models.criteria import CriteriaSet
    from ..models.portfolio import PortfolioProblem
    from ..service.operations import OPERATIONS
    from ..service.records import DecisionRecord

    models: list[tuple[str, type[BaseModel]]] = [
        ("portfolio-problem", PortfolioProblem),
        ("criteria-set", CriteriaSet),
    ]
    for name, op in OPERATIONS.items():
        models += [(f"v1-{name}-request", op.request), (f"v1-{name}-response", op.response)]
    models.append(("decision-record", DecisionRecord))
    return models


def add_schema(sub: Subparsers) -> None:
    """The ``schema`` command's arguments."""
    sc = sub.add_parser("schema", help="write the JSON Schemas of the input formats")
    sc.add_argument("--output", required=True, help="an existing directory")
    sc.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    """``citymatch schema --output DIR``: one ``<name>.schema.json`` per model, atomically."""
    out = Path(args.output)
    if not out.is_dir():
        raise UsageError(f"--output must be an existing directory; got {args.output!r}.")
    for name, model in schema_models():
        path = out / f"{name}.schema.json"
        atomic_write(path, json.dumps(model.model_json_schema(), indent=2) + "\n")
        print(path)
    return 0


def add_serve(sub: Subparsers) -> None:
    """The ``serve`` command's arguments."""
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
    unset = argparse.SUPPRESS  # absent flags keep ServiceSettings' defaults
    sv.add_argument("--max-body-bytes", type=int, default=unset, help="largest request body (413)")
    sv.add_argument(
        "--body-timeout",
        type=float,
        default=unset,
        help="seconds the whole request body may take to arrive (408)",
    )
    sv.add_argument(
        "--max-workers",
        type=int,
        default=unset,
        help="threads running heavy requests at once, per worker process",
    )
    sv.add_argument(
        "--max-queue",
        type=int,
        default=unset,
        help="heavy requests allowed to wait; beyond, 503 with Retry-After",
    )
    sv.add_argument(
        "--max-solve-seconds",
        type=float,
        default=unset,
        help="longest portfolio solve; the answer comes within it plus a small margin",
    )
    sv.set_defaults(func=cmd_serve)


#: The service settings ``serve`` takes as flags (``--max-body-bytes`` …).
_SERVE_LIMITS = ("max_body_bytes", "body_timeout", "max_workers", "max_queue", "max_solve_seconds")


def cmd_serve(args: argparse.Namespace) -> int:
    """``citymatch serve``: the HTTP service (blocking)."""
    from ..service.limits import ServiceSettings
    from ..service.server import serve

    folder = Path(args.criteria_folder) if args.criteria_folder else None
    if args.workers < 1:
        raise UsageError(f"--workers must be a positive integer; got {args.workers}.")
    given = {k: getattr(args, k) for k in _SERVE_LIMITS if hasattr(args, k)}
    for key, value in given.items():
        flag = "--" + key.replace("_", "-")
        if key == "max_queue" and value < 0:
            raise UsageError(f"{flag} must be a non-negative integer; got {value}.")
        if key != "max_queue" and not (0 < value < float("inf")):
            raise UsageError(f"{flag} must be positive; got {value}.")
    settings = ServiceSettings(criteria_folder=folder, **given)
    serve(args.host, args.port, settings, workers=args.workers)
    return 0


def add_record(sub: Subparsers) -> None:
    """The ``record`` command's arguments."""
    rc = sub.add_parser("record", help="run a JSON request and write its signed decision record")
    rc.add_argument("operation", choices=["rank", "ahp", "sensitivity", "portfolio", "review"])
    rc.add_argument("request", help="request JSON (the /v1 contract)")
    rc.add_argument("--output")
    rc.set_defaults(func=cmd_record)


def cmd_record(args: argparse.Namespace) -> int:
    """``citymatch record OP REQUEST.json``: run it and print (or write) its decision record."""
    from pydantic import ValidationError

    from ..models._base import format_validation_error
    from ..service.records import make_record

    try:
        request = json.loads(Path(args.request).read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CitymatchValueError(
            f"`REQUEST` file {args.request!r} cannot be read as JSON: {exc}"
        ) from exc
    try:
        rec = make_record(args.operation, request)
    except ValidationError as exc:
        where = f"`REQUEST` file {args.request!r} ({args.operation} request)"
        raise CitymatchValueError(format_validation_error(exc, where)) from exc
    emit(rec.model_dump_json(indent=2), args.output)
    return 0


def add_replay(sub: Subparsers) -> None:
    """The ``replay`` command's arguments."""
    rp = sub.add_parser("replay", help="re-run a decision record and report any difference")
    rp.add_argument("record")
    rp.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """``citymatch replay RECORD.json``: exit 0 when identical, 1 with the differences."""
    from .. import __version__
    from ..service.records import read_record, replay

    diffs = replay(args.record)
    rec = read_record(args.record)
    if rec.citymatch_version != __version__:
        print(f"note: recorded with citymatch {rec.citymatch_version}, replayed with {__version__}")
    if diffs:
        print(f"{len(diffs)} difference(s) from the recorded outputs:")
        for d in diffs[:50]:
            print(f"  {d}")
        return 1
    print(f"identical: the {rec.operation} decision reproduces exactly (digest verified).")
    return 0
