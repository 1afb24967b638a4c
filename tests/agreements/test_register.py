"""The register: round trip, corrupt files, concurrent edits, interrupted writes, read-only
accessors."""

from __future__ import annotations

from datetime import date

import pytest

import citymatch._util
from citymatch import agreements as ag
from citymatch.agreements import register as register_module
from citymatch.errors import CitymatchValueError
from helpers import ROOT

REGISTER = ROOT / "examples" / "register"


def test_register_round_trip(register_copy):
    """Saving and reloading gives equal agreements; files are human-editable TOML."""
    folder = register_copy.folder
    again = ag.load_register(folder)
    assert dict(register_copy.agreements) == dict(again.agreements)
    assert len(again) == 18 and "chicago" in again
    register_copy.save(
        register_copy["chicago"].model_copy(update={"owner": "Economic Development"})
    )
    assert ag.load_register(folder)["chicago"].owner == "Economic Development"
    assert 'class = "Partnership"' in (folder / "chicago.toml").read_text()


def test_corrupt_file_reported_and_nothing_touched(tmp_path, register_copy):
    """A corrupt file is reported with its path and field; no file is modified."""
    folder = register_copy.folder
    bad = folder / "kyiv.toml"
    bad.write_text(
        bad.read_text().replace('class = "Friendship"', 'class = "Friendship"\nsigend = 1991-01-01')
    )
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(
        ag.RegisterError,
        match=r"register file '.*kyiv.toml': sigend: Extra inputs are not permitted",
    ):
        ag.load_register(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    bad.write_text("id = ")
    with pytest.raises(ag.RegisterError, match=r"kyiv.toml' is not valid TOML"):
        ag.load_register(folder)
    bad.write_text('id = "kyiv"\npartners = ["kyiv"]\nclass = "Twinning"\n')
    with pytest.raises(
        ag.RegisterError,
        match=r"class must be one of \['Partnership', 'Friendship', 'MOU', 'International Project'\]; got 'Twinning'",
    ):
        ag.load_register(folder)
    with pytest.raises(ag.RegisterError, match=r"does not exist"):
        ag.load_register(tmp_path / "nowhere")


def test_duplicate_id_reported(register_copy):
    """Two files with the same agreement id: the second file is named with the first."""
    folder = register_copy.folder
    (folder / "zz-copy.toml").write_bytes((folder / "milan.toml").read_bytes())
    with pytest.raises(
        ag.RegisterError, match=r"zz-copy.toml': id 'milan' is already used by '.*milan.toml'"
    ):
        ag.load_register(folder)


def test_concurrent_modification_refused(register_copy):
    """A file changed on disk since it was read is not overwritten."""
    path = register_copy.path_of("milan")
    path.write_text(path.read_text() + "\n# edited by a colleague\n")
    edited = path.read_bytes()
    with pytest.raises(
        ag.ConcurrentModificationError, match=r"milan.toml' changed since it was read"
    ):
        register_copy.save(register_copy["milan"].model_copy(update={"owner": "me"}))
    assert path.read_bytes() == edited


def test_deleted_or_unread_file_refused(register_copy, agreement):
    """A file deleted since it was read is not recreated; an existing file the register never
    read is not overwritten; a class outside the register's classes is refused."""
    path = register_copy.path_of("milan")
    path.unlink()
    with pytest.raises(ag.ConcurrentModificationError, match=r"milan.toml' was deleted since"):
        register_copy.save(register_copy["milan"])
    assert not path.exists()
    stranger = register_copy.folder / "new.toml"
    stranger.write_text("# someone else's file\n")
    with pytest.raises(
        ag.ConcurrentModificationError, match=r"new.toml' changed since it was read"
    ):
        register_copy.save(agreement(id="new"))
    assert stranger.read_text() == "# someone else's file\n"
    with pytest.raises(
        ag.RegisterError, match=r"agreement 'odd': class must be one of .*; got 'Twinning'"
    ):
        register_copy.save(agreement(id="odd", **{"class": "Twinning"}))


def _crash_mid_write(path, data, *, name):
    """A writer that dies half-way through, inside the one atomic write."""
    with citymatch._util.atomic_output(path, name=name) as tmp:
        tmp.write_text(data[:20], encoding="utf-8")
        raise OSError("simulated interruption")


def _crash_at_rename(src, dst):
    raise OSError("simulated interruption")


@pytest.mark.parametrize("where", ["mid-write", "at rename"])
def test_interrupted_write_leaves_old_file(register_copy, monkeypatch, where):
    """A crash while saving (half-way through writing, or just before the rename) leaves the
    old file intact, the register unchanged and no temporary file behind."""
    folder = register_copy.folder
    path = folder / "warsaw.toml"
    old = path.read_bytes()
    before = register_copy["warsaw"]
    if where == "mid-write":
        monkeypatch.setattr(register_module, "atomic_write", _crash_mid_write)
    else:
        monkeypatch.setattr(citymatch._util.os, "replace", _crash_at_rename)
    with pytest.raises(OSError, match="simulated interruption"):
        register_copy.save(before.model_copy(update={"owner": "someone"}))
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert not [
        p
        for p in folder.iterdir()
        if p.name.startswith(".") and p.name != register_module.LOCK_FILE
    ]
    assert register_copy["warsaw"] is before
    register_copy.save(before.model_copy(update={"owner": "someone"}))  # the digest still holds
    assert ag.load_register(folder)["warsaw"].owner == "someone"


def test_register_accessors_are_read_only(tmp_path, agreement):
    """The register copies the caller's mapping, its ``agreements`` is a read-only view, and
    its folder and classes cannot be reassigned: only ``save`` changes it."""
    given = {"a": agreement()}
    reg = ag.Register(tmp_path, given)
    given["b"] = agreement(id="b")
    assert list(reg.agreements) == ["a"] and len(reg) == 1
    with pytest.raises(TypeError):
        reg.agreements["b"] = agreement(id="b")
    with pytest.raises(AttributeError):
        reg.folder = tmp_path / "elsewhere"
    with pytest.raises(AttributeError):
        reg.classes = ("MOU",)
    assert reg.folder == tmp_path and reg.classes == ag.DEFAULT_CLASSES
    assert repr(reg) == f"Register({str(tmp_path)!r}, 1 agreements)"


def test_register_refuses_keys_that_are_not_ids(tmp_path, agreement):
    """Every key of the mapping must be its agreement's id."""
    with pytest.raises(
        ag.RegisterError,
        match=r"`agreements` must be keyed by agreement id; got key 'x' for id 'a'",
    ):
        ag.Register(tmp_path, {"x": agreement()})
    assert issubclass(ag.RegisterError, CitymatchValueError)


def test_to_frame_lists_every_agreement():
    """One row per agreement with its derived status on the given date."""
    frame = ag.load_register(REGISTER).to_frame(date(2026, 11, 27))
    assert len(frame) == 18 and frame["id"].is_unique
    assert set(frame["status"]) <= {"active", "expiring", "expired", "sunset", "historical"}
