"""Decision records: one decision kept reproducible, and its replay.

A :class:`DecisionRecord` holds the request, the resolved criteria set and where its weights
came from, the options and seed, the library version, the response, and a SHA-256 digest
over all of it.  ``citymatch replay RECORD.json`` (:func:`replay`) re-runs the request and
reports every difference; a record altered after it was made fails its digest.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import DecisionRecordError
from ..models._base import format_validation_error
from ..models.criteria import CriteriaSet
from .contract import ContractModel, OperationName
from .operations import execute, get_operation, resolve_criteria

__all__ = ["DecisionRecord", "make_record", "read_record", "replay"]


class DecisionRecord(BaseModel):
    """One decision, reproducible: request, criteria and weight source, version, outputs, digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    record_version: Literal["1"] = "1"
    operation: OperationName
    request: dict[str, Any]
    criteria: dict[str, Any] | None = None
    weight_source: str | None = None
    seed: int | None = None
    citymatch_version: str
    response: dict[str, Any]
    digest: str = ""

    def body_digest(self) -> str:
        """SHA-256 over everything but the digest itself (canonical JSON)."""
        body = self.model_dump(mode="json", exclude={"digest"})
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()


def make_record(
    operation: str,
    request: dict[str, object] | ContractModel,
    response: ContractModel | None = None,
    *,
    criteria_folder: Path | None = None,
) -> DecisionRecord:
    """Run (or take) a response and wrap it with its inputs into a signed decision record."""
    from .. import __version__

    op = get_operation(operation)
    req = request if isinstance(request, op.request) else op.request.model_validate(request)
    resp = (
        response
        if response is not None
        else execute(operation, req, criteria_folder=criteria_folder)
    )
    crit = getattr(req, "criteria", None)
    cs: CriteriaSet | None = resolve_criteria(crit, criteria_folder) if crit is not None else None
    rec = DecisionRecord(
        operation=op.name,
        request=req.model_dump(mode="json"),
        criteria=cs.model_dump(mode="json") if cs else None,
        weight_source=cs.weight_source if cs else None,
        seed=getattr(req, "seed", None),
        citymatch_version=__version__,
        response=resp.model_dump(mode="json"),
    )
    return rec.model_copy(update={"digest": rec.body_digest()})


def _diff(a: Any, b: Any, path: str, out: list[str], tol: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(
                    f"{path}.{k}: {'missing in the record' if k not in a else 'missing in the replay'}"
                )
            else:
                _diff(a[k], b[k], f"{path}.{k}", out, tol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items recorded, {len(b)} now")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _diff(x, y, f"{path}[{i}]", out, tol)
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if not (a == b or abs(a - b) <= tol * max(1.0, abs(a))):
            out.append(f"{path}: recorded {a!r}, now {b!r}")
    elif a != b:
        out.append(f"{path}: recorded {a!r}, now {b!r}")


def read_record(path: str | os.PathLike[str]) -> DecisionRecord:
    """Read a decision record file (its digest is not checked here: :func:`replay` does).

    Raises
    ------
    DecisionRecordError
        The file cannot be read, or is not a decision record (names the file and fields).
    """
    where = f"decision record {str(path)!r} cannot be read"
    try:
        return DecisionRecord.model_validate_json(Path(path).read_text("utf-8"))
    except ValidationError as exc:
        raise DecisionRecordError(format_validation_error(exc, where)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DecisionRecordError(f"{where}: {exc}") from exc


def replay(
    record: DecisionRecord | str | os.PathLike[str],
    *,
    tol: float = 1e-12,
    criteria_folder: Path | None = None,
) -> list[str]:
    """Re-run a decision record; return the differences (empty = identical).

    Raises
    ------
    DecisionRecordError
        The record's digest does not match its content (it was altered), or it cannot be read.
    """
    if not isinstance(record, DecisionRecord):
        record = read_record(record)
    if record.digest != record.body_digest():
        raise DecisionRecordError(
            "decision record failed its integrity check: the SHA-256 digest does not match its content "
            "(the record was altered after it was made)."
        )
    fresh = execute(record.operation, record.request, criteria_folder=criteria_folder).model_dump(
        mode="json"
    )
    out: list[str] = []
    skip = {"citymatch_version"}
    a = {k: v for k, v in record.response.items() if k not in skip}
    b = {k: v for k, v in fresh.items() if k not in skip}
    _diff(a, b, "response", out, tol)
    return out
