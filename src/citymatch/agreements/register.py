"""The agreement register: one TOML file per agreement, loaded whole, saved one file at a time.

A register is a folder with one TOML file per agreement — human-editable and version
controllable.  :func:`load_register` validates the whole folder (errors name the file and
the field); :meth:`Register.save` writes through citymatch's one atomic write
(:func:`citymatch._util.atomic_write`) and refuses to overwrite a file changed since it was
read (optimistic locking on the SHA-256 of the bytes read).

The read–compare–write of a save runs under an exclusive OS file lock on
``<folder>/.citymatch.lock`` (:func:`citymatch._util.file_lock`: ``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows), so two processes saving the same agreement at once cannot
both pass the comparison: one wins, the other gets :class:`ConcurrentModificationError`.
The lock is held only inside :meth:`Register.save` (never while the caller's code runs),
released on any exception, and the lock file is never read as an agreement (only
``*.toml`` files are).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import tomli_w

from .._display import html_table
from .._files import decode_text, parse_document
from .._util import atomic_write, file_lock
from ..errors import ConcurrentModificationError, RegisterError
from ..models._base import validate_model
from ..models.agreement import Agreement

__all__ = ["DEFAULT_CLASSES", "LOCK_FILE", "Register", "load_register", "to_toml"]

#: The lock file of a register folder, held while a save reads, compares and writes.
LOCK_FILE = ".citymatch.lock"

#: The agreement classes a register allows unless told otherwise.
DEFAULT_CLASSES = ("Partnership", "Friendship", "MOU", "International Project")


def _prune(data: dict[str, object]) -> dict[str, object]:
    """Drop empty fields (they are the defaults), in nested tables too."""
    out: dict[str, object] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            v = _prune(v)
        elif isinstance(v, (list, tuple)):
            v = [_prune(x) if isinstance(x, dict) else x for x in v]
        if v not in ((), [], "", {}):
            out[k] = v
    return out


def to_toml(agreement: Agreement) -> str:
    """The text of an agreement's register file (a comment header, then TOML)."""
    data = _prune(agreement.model_dump(mode="python", by_alias=True, exclude_none=True))
    header = "# citymatch agreement — one file per agreement; edit and commit like code.\n" + (
        "# ILLUSTRATIVE: objectives, KPIs and figures are examples, not City data.\n"
        if agreement.illustrative
        else ""
    )
    return header + tomli_w.dumps(data)


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class Register:
    """Agreements keyed by id, with the files they came from.

    Build one with :func:`load_register` (from a folder) or directly from agreements (an
    in-memory register, e.g. for a service request); change it only through :meth:`save`.

    Parameters
    ----------
    folder : str or path-like
        Where new agreements are saved (``<folder>/<id>.toml``).
    agreements : mapping of id → Agreement
        Copied; every key must be its agreement's id.
    classes : sequence of str, default :data:`DEFAULT_CLASSES`
        Allowed agreement classes (checked by :meth:`save`).
    files, digests : mapping of id → path / SHA-256 hex digest, optional
        Where each agreement was read from and the digest of the bytes read (set by
        :func:`load_register`); a file with a digest is only overwritten while unchanged.

    Raises
    ------
    RegisterError
        A key of ``agreements`` that is not its agreement's id.
    """

    __slots__ = ("_agreements", "_classes", "_digests", "_files", "_folder")

    def __init__(
        self,
        folder: str | os.PathLike[str],
        agreements: Mapping[str, Agreement],
        classes: Sequence[str] = DEFAULT_CLASSES,
        *,
        files: Mapping[str, Path] | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> None:
        for key, a in agreements.items():
            if key != a.id:
                raise RegisterError(
                    f"`agreements` must be keyed by agreement id; got key {key!r} for id {a.id!r}."
                )
        self._folder = Path(folder)
        self._agreements = dict(agreements)
        self._classes = tuple(classes)
        self._files = dict(files or {})
        self._digests = dict(digests or {})

    @property
    def folder(self) -> Path:
        """The register folder."""
        return self._folder

    @property
    def classes(self) -> tuple[str, ...]:
        """Allowed agreement classes."""
        return self._classes

    @property
    def agreements(self) -> Mapping[str, Agreement]:
        """Agreements by id: a read-only view (change the register with :meth:`save`)."""
        return MappingProxyType(self._agreements)

    def __iter__(self) -> Iterator[Agreement]:
        return iter(tuple(self._agreements.values()))

    def __len__(self) -> int:
        return len(self._agreements)

    def __getitem__(self, key: str) -> Agreement:
        return self._agreements[key]

    def __contains__(self, key: object) -> bool:
        return key in self._agreements

    def __repr__(self) -> str:
        return f"Register({str(self._folder)!r}, {len(self)} agreements)"

    def path_of(self, agreement_id: str) -> Path:
        """The file of an agreement (new agreements get ``<folder>/<id>.toml``)."""
        return self._files.get(agreement_id, self._folder / f"{agreement_id}.toml")

    def save(self, agreement: Agreement) -> Path:
        """Write one agreement atomically; refuse if its file changed since it was read.

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        ConcurrentModificationError
            The file on disk differs from what was loaded (someone else edited it), exists
            but was never read, or was deleted since it was read.
        RegisterError
            The class is not one of the register's classes, or the register folder does
            not exist.
        """
        if agreement.agreement_class not in self._classes:
            raise RegisterError(
                f"agreement {agreement.id!r}: class must be one of {list(self._classes)}; "
                f"got {agreement.agreement_class!r}."
            )
        path = self.path_of(agreement.id)
        text = to_toml(agreement)
        if not path.parent.is_dir():
            raise RegisterError(
                f"register folder {str(path.parent)!r} does not exist; cannot save "
                f"agreement {agreement.id!r}."
            )
        with file_lock(path.parent / LOCK_FILE):
            self._check_unchanged(agreement.id, path)
            atomic_write(path, text, name="register file")
        self._files[agreement.id] = path
        self._digests[agreement.id] = _digest(text.encode("utf-8"))
        self._agreements[agreement.id] = agreement
        return path

    def _check_unchanged(self, agreement_id: str, path: Path) -> None:
        """Raise unless ``path`` holds the bytes read (or is absent and was never read)."""
        expected = self._digests.get(agreement_id)
        try:
            raw: bytes | None = path.read_bytes()
        except FileNotFoundError:
            raw = None
        if raw is not None and (expected is None or _digest(raw) != expected):
            raise ConcurrentModificationError(
                f"register file {str(path)!r} changed since it was read (or was never read); "
                "reload the register and apply the change again."
            )
        if raw is None and expected is not None:
            raise ConcurrentModificationError(
                f"register file {str(path)!r} was deleted since it was read."
            )

    def to_frame(self, as_of: date | None = None) -> pd.DataFrame:
        """One row per agreement (id, partners, class, dates, status, objectives, SMART)."""
        as_of = as_of or date.today()
        rows = [
            {
                "id": a.id,
                "partners": " ".join(a.partners),
                "class": a.agreement_class,
                "signed": a.signed,
                "start": a.start,
                "end": a.current_end,
                "status": a.status_on(as_of),
                "owner": a.owner,
                "budget": a.budget,
                "objectives": len(a.objectives),
                "smart": a.is_smart,
                "illustrative": a.illustrative,
            }
            for a in self
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), f"Register {self._folder} · {len(self)} agreements", 30)


def _read_agreement(path: Path, raw: bytes) -> Agreement:
    where = f"register file {str(path)!r}"
    text = decode_text(raw, where=where, error=RegisterError)
    data = parse_document(text, kind="toml", where=where, error=RegisterError)
    return validate_model(Agreement, data, where=where, error=RegisterError)


def load_register(
    folder: str | os.PathLike[str], *, classes: Sequence[str] = DEFAULT_CLASSES
) -> Register:
    """Load and validate every ``*.toml`` agreement in a folder.

    Raises
    ------
    RegisterError
        Missing folder, invalid TOML, a field that breaks a rule, an unknown class or a
        duplicate id — the message names the file and the field.  Nothing is written.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RegisterError(f"register folder {str(root)!r} does not exist.")
    agreements: dict[str, Agreement] = {}
    files: dict[str, Path] = {}
    digests: dict[str, str] = {}
    for path in sorted(root.glob("*.toml")):
        if path.is_dir():
            raise RegisterError(f"register file {str(path)!r} is a directory, not a file.")
        raw = path.read_bytes()
        a = _read_agreement(path, raw)
        if a.agreement_class not in classes:
            raise RegisterError(
                f"register file {str(path)!r}: class must be one of {list(classes)}; "
                f"got {a.agreement_class!r}."
            )
        if a.id in agreements:
            raise RegisterError(
                f"register file {str(path)!r}: id {a.id!r} is already used by {str(files[a.id])!r}."
            )
        agreements[a.id] = a
        files[a.id] = path
        digests[a.id] = _digest(raw)
    return Register(root, agreements, tuple(classes), files=files, digests=digests)
