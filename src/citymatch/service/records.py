"""Decision records: one decision kept reproducible, signed, and its replay.

A :class:`DecisionRecord` holds the request, the resolved criteria set and where its weights
came from, the options and seed, the library version, the response, a SHA-256 content
``digest`` (integrity: any change to the content shows), and — when a key is configured — an
HMAC-SHA256 ``signature`` with the ``key_id`` of the key that made it (authenticity: nobody
without the key can make a record that verifies, since the digest alone can be recomputed by
anyone).  ``citymatch replay RECORD.json`` (:func:`replay`) verifies the signature *before
anything else*, then the digest, then re-runs the request and reports every difference.

The key
-------
``CITYMATCH_RECORD_KEY`` holds the key itself (its UTF-8 bytes are the key; a 64-character
hex string such as ``python -c "import secrets; print(secrets.token_hex(32))"`` prints is a
good one), or ``CITYMATCH_RECORD_KEY_FILE`` names a file holding it (its bytes, one trailing
newline removed; the file must not be readable or writable by group or others — ``chmod 600``).
Setting both is an error.  A key shorter than :data:`MIN_KEY_BYTES` (32 bytes) is refused.
The record carries ``key_id`` — the first 16 hex digits of the key's SHA-256, never the key;
the signature is the hex HMAC-SHA256 of the canonical JSON (sorted keys, no spaces) of every
field but the signature itself, the digest and key id included.

Why HMAC and not Ed25519: HMAC-SHA256 needs only the standard library (``hmac``,
``hashlib``), and fits citymatch's trust model — a single office that makes its records and
later verifies them holds the one secret key.  Its limit is that whoever can verify can also
sign; when third parties must verify records without being able to make them, Ed25519
signatures (public verification key, through the ``cryptography`` package) are the upgrade
path: the ``key_id``/``signature`` fields and the verify-first replay stay as they are.

Without a key, a record is made *unsigned* (``signed: false``, digest only) and that is said
plainly: :func:`make_record` warns (:class:`~citymatch.errors.UnsignedRecordWarning`) when it
looked for a key in the environment and found none, the CLI prints a note on stderr, the
service returns ``signed: false``.  :func:`replay` refuses an unsigned record unless
``allow_unsigned=True`` (CLI ``--allow-unsigned``), and then warns and reports it as not
verified.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import (
    CitymatchValueError,
    DecisionRecordError,
    RecordKeyError,
    UnsignedRecordWarning,
)
from ..models._base import format_validation_error
from ..models.criteria import CriteriaSet
from .contract import ContractModel, OperationName
from .operations import execute, get_operation, resolve_criteria

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "MIN_KEY_BYTES",
    "DecisionRecord",
    "RecordKey",
    "ReplayResult",
    "load_record_key",
    "make_record",
    "read_json_file",
    "read_record",
    "replay",
    "verify_record",
]

#: Environment variable holding the record-signing key itself.
KEY_ENV = "CITYMATCH_RECORD_KEY"
#: Environment variable naming a file that holds the record-signing key.
KEY_FILE_ENV = "CITYMATCH_RECORD_KEY_FILE"
#: Shortest key accepted (HMAC-SHA256's block of security: 256 bits).
MIN_KEY_BYTES = 32
#: Longest error message quoting a file's content (a hostile file must not flood the terminal).
_MAX_MESSAGE = 1000

_UNSIGNED_FIELDS = frozenset({"digest", "signed", "key_id", "signature"})


@dataclass(frozen=True, repr=False)
class RecordKey:
    """A record-signing key: the secret bytes and where they came from (the repr hides them).

    Raises
    ------
    RecordKeyError
        The key is shorter than :data:`MIN_KEY_BYTES` (names the source, never the key).
    """

    secret: bytes = field(repr=False)
    source: str = "the caller"

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes):
            raise RecordKeyError(
                f"record signing key from {self.source} must be bytes; "
                f"got {type(self.secret).__name__}."
            )
        if len(self.secret) < MIN_KEY_BYTES:
            raise RecordKeyError(
                f"record signing key from {self.source} must be at least {MIN_KEY_BYTES} bytes; "
                f"got {len(self.secret)} bytes."
            )

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the key's SHA-256: names the key, reveals nothing of it."""
        return hashlib.sha256(self.secret).hexdigest()[:16]

    def sign(self, payload: bytes) -> str:
        """Hex HMAC-SHA256 of ``payload``."""
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return f"RecordKey(key_id={self.key_id!r}, source={self.source!r})"


def load_record_key(environ: Mapping[str, str] | None = None) -> RecordKey | None:
    """The record-signing key configured in the environment, or ``None`` when none is.

    Reads :data:`KEY_ENV` (the key) or :data:`KEY_FILE_ENV` (a file holding it).

    Raises
    ------
    RecordKeyError
        Both are set; the key file cannot be read or is readable or writable by group or
        others; the key is shorter than :data:`MIN_KEY_BYTES`.
    """
    env = os.environ if environ is None else environ
    value, path = env.get(KEY_ENV), env.get(KEY_FILE_ENV)
    if value is not None and path is not None:
        raise RecordKeyError(
            f"set only one of {KEY_ENV} (the key) and {KEY_FILE_ENV} (a key file); both are set."
        )
    if value is not None:
        return RecordKey(value.encode("utf-8", "surrogateescape"), source=KEY_ENV)
    if path is not None:
        return RecordKey(_read_key_file(path), source=f"{KEY_FILE_ENV} file {path!r}")
    return None


def _read_key_file(path: str) -> bytes:
    where = f"{KEY_FILE_ENV} file {path!r}"
    try:
        mode = os.stat(path).st_mode
        if os.name == "posix" and mode & 0o077:
            raise RecordKeyError(
                f"{where} must be readable by its owner only (chmod 600); "
                f"got mode {mode & 0o777:04o}."
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RecordKeyError(f"{where} cannot be read: {exc.strerror or exc}.") from exc
    return data.removesuffix(b"\n").removesuffix(b"\r")


def _canonical(doc: object) -> bytes:
    # model_dump(mode="json") has already turned any NaN/inf into null
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is beyond the range of a 64-bit float")
    return value


class DecisionRecord(BaseModel):
    """One decision, reproducible: request, criteria, version, outputs, digest, signature.

    ``digest`` is the SHA-256 of the content; when ``signed``, ``key_id`` names the key and
    ``signature`` is the HMAC-SHA256 over everything but itself (see the module docstring).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    record_version: Literal["1", "2"] = "2"
    operation: OperationName
    request: dict[str, Any]
    criteria: dict[str, Any] | None = None
    weight_source: str | None = None
    seed: int | None = None
    citymatch_version: str
    response: dict[str, Any]
    digest: str = ""
    signed: bool = False
    key_id: str | None = Field(default=None, pattern="^[0-9a-f]{16}$")
    signature: str | None = Field(default=None, pattern="^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _signature_fields_agree(self) -> DecisionRecord:
        present = [f for f in ("key_id", "signature") if getattr(self, f) is not None]
        if self.signed and len(present) < 2:
            missing = sorted({"key_id", "signature"} - set(present))
            raise ValueError(f"a record with `signed` true needs {' and '.join(missing)}")
        if not self.signed and present:
            raise ValueError(f"a record with `signed` false must have no {' or '.join(present)}")
        return self

    def body_digest(self) -> str:
        """SHA-256 over the content: everything but the digest and the signature fields."""
        body = self.model_dump(mode="json", exclude=set(_UNSIGNED_FIELDS))
        return hashlib.sha256(_canonical(body)).hexdigest()

    def signing_payload(self) -> bytes:
        """What the signature covers: canonical JSON of every field but the signature."""
        return _canonical(self.model_dump(mode="json", exclude={"signature"}))


@dataclass(frozen=True)
class ReplayResult:
    """What :func:`replay` found.

    Attributes
    ----------
    operation : str
        The operation re-run.
    differences : tuple of str
        One line per difference from the recorded response (empty: identical).
    signed : bool
        The record carries a signature.
    key_id : str or None
        The id of the key it was signed with.
    verified : bool
        The signature was checked against the configured key and matches (an unsigned record
        replayed with ``allow_unsigned=True`` is not verified).
    recorded_version : str
        The citymatch version that made the record.
    """

    operation: str
    differences: tuple[str, ...]
    signed: bool
    key_id: str | None
    verified: bool
    recorded_version: str

    @property
    def identical(self) -> bool:
        """The re-run reproduced the recorded response."""
        return not self.differences


def _resolve_key(key: RecordKey | Literal["env"] | None) -> RecordKey | None:
    if key == "env":
        return load_record_key()
    if key is not None and not isinstance(key, RecordKey):
        raise RecordKeyError(f"`key` must be a RecordKey, None or 'env'; got {type(key).__name__}.")
    return key


def make_record(
    operation: str,
    request: dict[str, object] | ContractModel,
    response: ContractModel | None = None,
    *,
    criteria_folder: Path | None = None,
    key: RecordKey | Literal["env"] | None = "env",
) -> DecisionRecord:
    """Run (or take) a response and wrap it with its inputs into a decision record.

    Parameters
    ----------
    key : RecordKey, None or "env"
        The signing key; ``"env"`` (default) reads it from the environment
        (:func:`load_record_key`) and warns when none is configured; ``None`` makes an
        unsigned record on purpose.

    Raises
    ------
    RecordKeyError
        The configured key cannot be used.

    Warns
    -----
    UnsignedRecordWarning
        ``key="env"`` and no key is configured: the record is unsigned.
    """
    from .. import __version__

    signer = _resolve_key(key)
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
    rec = rec.model_copy(update={"digest": rec.body_digest()})
    if signer is None:
        if key == "env":
            warnings.warn(
                f"no record signing key configured ({KEY_ENV} or {KEY_FILE_ENV}): the decision "
                "record is unsigned, and replay will refuse it unless allow_unsigned=True.",
                UnsignedRecordWarning,
                stacklevel=2,
            )
        return rec
    rec = rec.model_copy(update={"signed": True, "key_id": signer.key_id})
    return rec.model_copy(update={"signature": signer.sign(rec.signing_payload())})


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


def _shorten(text: str) -> str:
    if len(text) <= _MAX_MESSAGE:
        return text
    return f"{text[:_MAX_MESSAGE]}… ({len(text) - _MAX_MESSAGE} more characters)"


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def read_json_file(
    path: str | os.PathLike[str], what: str, error: type[CitymatchValueError]
) -> dict[str, Any]:
    """Read a file holding one JSON object; every failure is ``error`` naming ``what`` and file.

    Refused with a one-line message: a missing file, a directory, bytes that are not UTF-8,
    an empty file, invalid JSON (with its line and column), ``NaN``/``Infinity``, nesting too
    deep for the parser, and a document that is not a JSON object.
    """
    where = f"{what} {str(path)!r}"
    try:
        text = Path(path).read_text("utf-8")
    except IsADirectoryError as exc:
        raise error(f"{where} is a directory, not a file.") from exc
    except FileNotFoundError as exc:
        raise error(f"{where} does not exist.") from exc
    except OSError as exc:
        raise error(f"{where} cannot be read: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise error(
            f"{where} is not UTF-8 text: byte {exc.start} is {exc.object[exc.start]:#04x}."
        ) from exc
    if not text.strip():
        raise error(f"{where} is empty; expected a JSON object.")
    try:
        doc = json.loads(
            text.removeprefix("\ufeff"), parse_constant=_refuse_constant, parse_float=_finite_float
        )
    except json.JSONDecodeError as exc:
        raise error(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from exc
    except ValueError as exc:
        raise error(f"{where} is not valid JSON: {exc}.") from exc
    except RecursionError as exc:
        raise error(f"{where} is nested too deeply to be read as JSON.") from exc
    if not isinstance(doc, dict):
        raise error(f"{where} must hold a JSON object; got a JSON {type(doc).__name__}.")
    return doc


def read_record(path: str | os.PathLike[str]) -> DecisionRecord:
    """Read a decision record file (not verified: :func:`verify_record`, :func:`replay` do).

    Raises
    ------
    DecisionRecordError
        The file cannot be read, or is not a decision record (names the file and fields).
    """
    doc = read_json_file(path, "decision record", DecisionRecordError)
    try:
        return DecisionRecord.model_validate(doc)
    except ValidationError as exc:
        where = f"decision record {str(path)!r} is not a valid record"
        raise DecisionRecordError(_shorten(format_validation_error(exc, where))) from exc


def verify_record(
    record: DecisionRecord,
    *,
    key: RecordKey | Literal["env"] | None = "env",
    allow_unsigned: bool = False,
) -> bool:
    """Check a record's signature (first) and content digest; ``True`` when signed and verified.

    Returns ``False`` only for an unsigned record with ``allow_unsigned=True`` (after warning).

    Raises
    ------
    DecisionRecordError
        A signed record and no key configured, a key with another id, a signature that does
        not match; an unsigned record without ``allow_unsigned``; a digest that does not match.
    RecordKeyError
        The configured key cannot be used.

    Warns
    -----
    UnsignedRecordWarning
        An unsigned record, accepted because ``allow_unsigned=True``: it is not verified.
    """
    signer = _resolve_key(key)
    if record.signed:
        _check_signature(record, signer)
    elif not allow_unsigned:
        raise DecisionRecordError(
            "decision record is unsigned (no key_id, no signature): its content cannot be "
            "verified as authentic; replay it with allow_unsigned=True (CLI --allow-unsigned) "
            "to re-run it anyway."
        )
    if not _same(record.digest, record.body_digest()):
        raise DecisionRecordError(
            "decision record failed its integrity check: the SHA-256 digest does not match "
            "its content (the record was altered after it was made)."
        )
    if not record.signed:
        warnings.warn(
            "decision record is unsigned: replayed without verifying where it came from.",
            UnsignedRecordWarning,
            stacklevel=3,
        )
    return record.signed


def _same(a: str, b: str) -> bool:
    """Constant-time comparison of any two strings (``compare_digest`` refuses non-ASCII str)."""
    return hmac.compare_digest(
        a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape")
    )


def _check_signature(record: DecisionRecord, signer: RecordKey | None) -> None:
    if signer is None:
        raise DecisionRecordError(
            f"decision record is signed with key id {record.key_id!r}: set {KEY_ENV} or "
            f"{KEY_FILE_ENV} to that key to verify it; no key is configured."
        )
    if not _same(str(record.key_id), signer.key_id):
        raise DecisionRecordError(
            f"decision record is signed with key id {record.key_id!r}; the configured key "
            f"has id {signer.key_id!r}: configure the key {record.key_id!r} to verify it."
        )
    if not _same(str(record.signature), signer.sign(record.signing_payload())):
        raise DecisionRecordError(
            f"decision record failed its signature check (key id {signer.key_id!r}): the "
            "HMAC-SHA256 signature does not match its content (the record was altered or "
            "forged after it was signed)."
        )


def replay(
    record: DecisionRecord | str | os.PathLike[str],
    *,
    tol: float = 1e-12,
    criteria_folder: Path | None = None,
    key: RecordKey | Literal["env"] | None = "env",
    allow_unsigned: bool = False,
) -> ReplayResult:
    """Verify a decision record (signature first, then digest), then re-run it.

    Parameters
    ----------
    key : RecordKey, None or "env"
        The key to verify with; ``"env"`` (default) reads it from the environment.
    allow_unsigned : bool
        Re-run an unsigned record (with a warning; the result says ``verified=False``)
        instead of refusing it.

    Raises
    ------
    DecisionRecordError
        The record cannot be read, fails its signature or digest, is unsigned (without
        ``allow_unsigned``), or its request is not valid for its operation.
    """
    if not isinstance(record, DecisionRecord):
        record = read_record(record)
    verified = verify_record(record, key=key, allow_unsigned=allow_unsigned)
    try:
        resp = execute(record.operation, record.request, criteria_folder=criteria_folder)
    except ValidationError as exc:
        where = f"decision record's request is not a valid {record.operation} request"
        raise DecisionRecordError(_shorten(format_validation_error(exc, where))) from exc
    fresh = resp.model_dump(mode="json")
    out: list[str] = []
    skip = {"citymatch_version"}
    a = {k: v for k, v in record.response.items() if k not in skip}
    b = {k: v for k, v in fresh.items() if k not in skip}
    _diff(a, b, "response", out, tol)
    return ReplayResult(
        operation=record.operation,
        differences=tuple(out),
        signed=record.signed,
        key_id=record.key_id,
        verified=verified,
        recorded_version=record.citymatch_version,
    )
