"""Commands of the scoring engine: ``schema``, ``serve``, ``record``, ``replay``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .._util import atomic_write
from ..errors import CitymatchValueError
from .output import Subparsers, UsageError, emit, port

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..service.records import RecordKey

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
    sv.add_argument("--port", type=port, default=8000)
    sv.add_argument(
        "--criteria-folder",
        dest="criteria_folder",
        default=os.environ.get("CITYMATCH_CRITERIA_FOLDER") or None,
        help="extra folder of criteria sets served by name (default: $CITYMATCH_CRITERIA_FOLDER)",
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
    rc = sub.add_parser(
        "record",
        help="run a JSON request and write its decision record "
        "(signed with CITYMATCH_RECORD_KEY or CITYMATCH_RECORD_KEY_FILE when set)",
    )
    rc.add_argument("operation", choices=["rank", "ahp", "sensitivity", "portfolio", "review"])
    rc.add_argument("request", help="request JSON (the /v1 contract)")
    rc.add_argument("--output")
    rc.set_defaults(func=cmd_record)


def _configured_key() -> RecordKey | None:
    """The record key from the environment; a key that cannot be used is a usage error (2)."""
    from ..errors import RecordKeyError
    from ..service.records import load_record_key

    try:
        return load_record_key()
    except RecordKeyError as exc:
        raise UsageError(str(exc)) from exc


def cmd_record(args: argparse.Namespace) -> int:
    """``citymatch record OP REQUEST.json``: run it and print (or write) its decision record.

    Signed when a key is configured (a note with the key id on stderr), otherwise unsigned with
    a note on stderr saying so.
    """
    from pydantic import ValidationError

    from ..models._base import format_validation_error
    from ..service.records import KEY_ENV, KEY_FILE_ENV, make_record, read_json_file

    if args.output and Path(args.output).is_dir():
        raise UsageError(f"--output must be a file path; got the directory {args.output!r}.")
    key = _configured_key()
    request = read_json_file(args.request, "`REQUEST` file", CitymatchValueError)
    try:
        rec = make_record(args.operation, request, key=key)
    except ValidationError as exc:
        where = f"`REQUEST` file {args.request!r} ({args.operation} request)"
        raise CitymatchValueError(format_validation_error(exc, where)) from exc
    emit(rec.model_dump_json(indent=2), args.output)
    if rec.signed:
        sys.stderr.write(f"citymatch: record signed with key id {rec.key_id}.\n")
    else:
        sys.stderr.write(
            f"citymatch: note: no record key configured ({KEY_ENV} or {KEY_FILE_ENV}): the "
            "record is UNSIGNED; `citymatch replay` will refuse it without --allow-unsigned.\n"
        )
    return 0


def add_replay(sub: Subparsers) -> None:
    """The ``replay`` command's arguments."""
    rp = sub.add_parser(
        "replay",
        help="verify a decision record's signature, re-run it and report any difference",
    )
    rp.add_argument("record")
    rp.add_argument(
        "--allow-unsigned",
        dest="allow_unsigned",
        action="store_true",
        help="re-run an unsigned record (reported as not verified) instead of refusing it",
    )
    rp.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """``citymatch replay RECORD.json``: verify, re-run; exit 0 when identical, 1 otherwise."""
    from .. import __version__
    from ..errors import UnsignedRecordWarning
    from ..service.records import replay

    key = _configured_key()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsignedRecordWarning)  # said below, in one line
        res = replay(args.record, key=key, allow_unsigned=args.allow_unsigned)
    if res.verified:
        print(f"signature verified (key id {res.key_id}).")
    else:
        sys.stderr.write(
            "citymatch: warning: the record is UNSIGNED: replayed because of --allow-unsigned; "
            "where it came from is not verified.\n"
        )
    if res.recorded_version != __version__:
        print(f"note: recorded with citymatch {res.recorded_version}, replayed with {__version__}")
    if res.differences:
        print(f"{len(res.differences)} difference(s) from the recorded outputs:")
        for d in res.differences[:50]:
            print(f"  {d}")
        return 1
    check = "signature and digest verified" if res.verified else "digest checked, unsigned"
    print(f"identical: the {res.operation} decision reproduces exactly ({check}).")
    return 0
