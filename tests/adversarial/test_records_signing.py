"""Issue 13, "nothing forged": decision records are signed (HMAC-SHA256) and replay verifies
the signature before anything else.  Library level; the CLI and the service are in
``test_records_interfaces.py``.

The attacks are the issue's: change a score or the criteria snapshot, recompute the digest
(which anyone can), and replay.  Expected values (signatures, key ids, digests) are computed
here by hand with ``hmac``/``hashlib``, never by the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import pytest

import citymatch
from citymatch.errors import DecisionRecordError, RecordKeyError, UnsignedRecordWarning
from citymatch.service import records as rc

SECRET = b"office-key-0123456789abcdef-0123456789"
OTHER = b"attacker-key-0123456789abcdef-012345"
KEY = rc.RecordKey(SECRET, source="the tests")
OTHER_KEY = rc.RecordKey(OTHER, source="the tests")
AHP = {"matrix": [[1, 3], ["1/3", 1]]}


def canonical(doc: object) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def key_id_of(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()[:16]


def sign_by_hand(doc: dict, secret: bytes) -> dict:
    """What an attacker holding ``secret`` (or the office) does: digest, then HMAC."""
    doc = dict(doc)
    content = {k: v for k, v in doc.items() if k not in ("digest", "signed", "key_id", "signature")}
    doc["digest"] = hashlib.sha256(canonical(content)).hexdigest()
    doc["signed"], doc["key_id"] = True, key_id_of(secret)
    body = {k: v for k, v in doc.items() if k != "signature"}
    doc["signature"] = hmac.new(secret, canonical(body), hashlib.sha256).hexdigest()
    return doc


def recompute_digest(doc: dict) -> dict:
    """The issue's forgery: after a change, recompute the content digest (no key needed)."""
    doc = dict(doc)
    content = {k: v for k, v in doc.items() if k not in ("digest", "signed", "key_id", "signature")}
    doc["digest"] = hashlib.sha256(canonical(content)).hexdigest()
    return doc


def forbid_rerun(monkeypatch) -> None:
    """From now on, fail if anything is re-run: verification must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("replay re-ran the request before verifying the record")

    monkeypatch.setattr(rc, "execute", refuse)


@pytest.fixture
def no_rerun(monkeypatch):
    forbid_rerun(monkeypatch)


@pytest.fixture(scope="module")
def signed_ahp() -> dict:
    return json.loads(rc.make_record("ahp", AHP, key=KEY).model_dump_json())


def test_signature_is_hmac_sha256_of_the_canonical_record(signed_ahp):
    """The record carries key_id = first 16 hex of SHA-256(key), signature = hex HMAC-SHA256
    over the canonical JSON of every field but the signature (digest included), and the
    SHA-256 content digest — each recomputed here by hand; the key itself is nowhere in it."""
    doc = signed_ahp
    assert doc["signed"] is True and doc["record_version"] == "2"
    assert doc["key_id"] == key_id_of(SECRET) == KEY.key_id
    assert doc == sign_by_hand({k: v for k, v in doc.items()}, SECRET)
    text = json.dumps(doc)
    assert SECRET.decode() not in text and SECRET.hex() not in text


def test_valid_signed_record_replays_verified(signed_ahp):
    """A record signed with the configured key verifies and re-runs identically."""
    res = rc.replay(rc.DecisionRecord.model_validate(signed_ahp), key=KEY)
    assert (res.signed, res.verified, res.key_id, res.differences) == (
        True,
        True,
        key_id_of(SECRET),
        (),
    )


def test_forged_score_with_recomputed_digest_is_refused(signed_ahp, no_rerun):
    """The issue's forgery: change a score, recompute the digest, replay → refused by the
    signature check (naming the key id), before anything is re-run."""
    forged = json.loads(json.dumps(signed_ahp))
    forged["response"]["weights"] = [0.5, 0.5]
    forged = recompute_digest(forged)
    msg = rf"failed its signature check \(key id '{key_id_of(SECRET)}'\)"
    with pytest.raises(DecisionRecordError, match=msg):
        rc.replay(rc.DecisionRecord.model_validate(forged), key=KEY)


def test_forged_criteria_snapshot_is_refused(monkeypatch):
    """A forged criteria snapshot (a weight changed, digest recomputed) is refused: the
    snapshot is not compared by the re-run, so only the signature can catch it."""
    rows = json.loads(citymatch.datasets.load_cities().to_json(orient="records"))
    rec = rc.make_record("rank", {"candidates": rows, "criteria": "partnership-city"}, key=KEY)
    forged = json.loads(rec.model_dump_json())
    assert forged["criteria"]["name"] == "partnership-city"
    forged["criteria"]["version"] = "2099.1"  # a set nobody approved …
    forged["criteria"]["screening"] = []  # … without its screening rules
    forged = recompute_digest(forged)
    forbid_rerun(monkeypatch)
    with pytest.raises(DecisionRecordError, match="failed its signature check"):
        rc.replay(rc.DecisionRecord.model_validate(forged), key=KEY)


def test_forged_request_signed_by_another_key_is_refused(signed_ahp, no_rerun):
    """A record altered and fully re-signed with another key (its own key id) is refused,
    naming the key id the record claims and the configured one."""
    forged = json.loads(json.dumps(signed_ahp))
    forged["response"]["weights"] = [0.5, 0.5]
    forged = sign_by_hand(forged, OTHER)
    msg = (
        rf"signed with key id '{key_id_of(OTHER)}'; the configured key has id "
        rf"'{key_id_of(SECRET)}': configure the key '{key_id_of(OTHER)}' to verify it"
    )
    with pytest.raises(DecisionRecordError, match=msg):
        rc.replay(rc.DecisionRecord.model_validate(forged), key=KEY)


def test_swapped_key_id_is_refused(signed_ahp, no_rerun):
    """A record signed with another key whose key_id was swapped for ours fails the signature
    check; our record with its key_id changed fails the key id check."""
    forged = sign_by_hand(json.loads(json.dumps(signed_ahp)), OTHER)
    forged["key_id"] = key_id_of(SECRET)
    with pytest.raises(DecisionRecordError, match="failed its signature check"):
        rc.replay(rc.DecisionRecord.model_validate(forged), key=KEY)
    swapped = dict(signed_ahp, key_id="0123456789abcdef")
    with pytest.raises(DecisionRecordError, match="signed with key id '0123456789abcdef'"):
        rc.replay(rc.DecisionRecord.model_validate(swapped), key=KEY)


def test_wrong_key_is_refused(signed_ahp, no_rerun):
    """Verifying with another key than the one that signed is refused, naming the key needed."""
    with pytest.raises(
        DecisionRecordError,
        match=rf"signed with key id '{key_id_of(SECRET)}'; the configured key has id "
        rf"'{key_id_of(OTHER)}'",
    ):
        rc.replay(rc.DecisionRecord.model_validate(signed_ahp), key=OTHER_KEY)


def test_signed_record_without_a_key_needs_the_key(signed_ahp, no_rerun, monkeypatch):
    """A signed record and no key configured (explicitly, or none in the environment) →
    an error saying which key id is needed to verify it."""
    monkeypatch.delenv("CITYMATCH_RECORD_KEY", raising=False)
    monkeypatch.delenv("CITYMATCH_RECORD_KEY_FILE", raising=False)
    rec = rc.DecisionRecord.model_validate(signed_ahp)
    msg = (
        rf"signed with key id '{key_id_of(SECRET)}': set CITYMATCH_RECORD_KEY or "
        r"CITYMATCH_RECORD_KEY_FILE to that key to verify it; no key is configured"
    )
    for key in (None, "env"):
        with pytest.raises(DecisionRecordError, match=msg):
            rc.replay(rec, key=key)


def test_stripped_signature_is_reported_unsigned(signed_ahp, no_rerun):
    """Signature stripped (signed false, no key id, digest intact): refused as unsigned; with
    allow_unsigned it is replayed with a warning and reported signed=False, verified=False.
    Stripping only the signature field leaves a record that does not read at all."""
    stripped = dict(signed_ahp, signed=False, key_id=None, signature=None)
    rec = rc.DecisionRecord.model_validate(stripped)
    with pytest.raises(DecisionRecordError, match=r"decision record is unsigned \(no key_id"):
        rc.replay(rec, key=KEY)
    half = {k: v for k, v in signed_ahp.items() if k != "signature"}
    with pytest.raises(ValueError, match="a record with `signed` true needs signature"):
        rc.DecisionRecord.model_validate(half)


def test_hostile_signature_fields_are_record_errors(signed_ahp, tmp_path):
    """A key id or signature that is not lowercase hex of the right length does not read
    (a clear error, not a TypeError from the comparison); a non-ASCII digest fails its check."""
    path = tmp_path / "hostile.json"
    for field, value in (("key_id", "ключ-0123456789ab"), ("signature", "zz" * 32)):
        path.write_text(json.dumps(dict(signed_ahp, **{field: value})), "utf-8")
        with pytest.raises(
            DecisionRecordError,
            match=rf"'.*hostile\.json' is not a valid record: {field}: String should match pattern",
        ):
            rc.replay(path, key=KEY)
    unsigned = json.loads(rc.make_record("ahp", AHP, key=None).model_dump_json())
    rec = rc.DecisionRecord.model_validate(dict(unsigned, digest="é" * 64))
    with pytest.raises(DecisionRecordError, match="failed its integrity check"):
        rc.replay(rec, key=None, allow_unsigned=True)


def test_unsigned_record_replays_only_when_allowed():
    """allow_unsigned=True replays an unsigned record with an UnsignedRecordWarning and
    reports it as not verified; its digest is still checked."""
    rec = rc.make_record("ahp", AHP, key=None)
    assert (rec.signed, rec.key_id, rec.signature) == (False, None, None)
    with pytest.warns(UnsignedRecordWarning, match="unsigned: replayed without verifying"):
        res = rc.replay(rec, key=KEY, allow_unsigned=True)
    assert (res.signed, res.verified, res.key_id, res.differences) == (False, False, None, ())
    altered = rec.model_copy(update={"seed": 3})
    with pytest.raises(DecisionRecordError, match="failed its integrity check"):
        rc.replay(altered, key=KEY, allow_unsigned=True)


def test_make_record_without_a_key_says_it_is_unsigned(monkeypatch):
    """make_record with no key in the environment warns (UnsignedRecordWarning) and returns
    an unsigned record with its digest; with a key in the environment it signs with it."""
    monkeypatch.delenv("CITYMATCH_RECORD_KEY", raising=False)
    monkeypatch.delenv("CITYMATCH_RECORD_KEY_FILE", raising=False)
    with pytest.warns(UnsignedRecordWarning, match="no record signing key configured"):
        rec = rc.make_record("ahp", AHP)
    assert not rec.signed and rec.digest == rec.body_digest()
    monkeypatch.setenv("CITYMATCH_RECORD_KEY", SECRET.decode())
    assert rc.make_record("ahp", AHP).key_id == key_id_of(SECRET)


def test_version_1_record_reads_as_unsigned():
    """A record made before signatures (record_version 1, old digest over every other field)
    still reads and replays as an unsigned record when allowed."""
    doc = json.loads(rc.make_record("ahp", AHP, key=None).model_dump_json())
    for f in ("signed", "key_id", "signature", "digest"):
        del doc[f]
    doc["record_version"] = "1"
    doc["digest"] = hashlib.sha256(canonical(doc)).hexdigest()
    with pytest.warns(UnsignedRecordWarning):
        res = rc.replay(rc.DecisionRecord.model_validate(doc), allow_unsigned=True, key=None)
    assert res.differences == () and not res.verified


def test_invalid_request_in_an_unsigned_record_is_a_record_error():
    """An (unsigned, allowed) record whose request breaks the contract is a DecisionRecordError
    naming the field, not a pydantic traceback."""
    doc = json.loads(rc.make_record("ahp", AHP, key=None).model_dump_json())
    doc["request"]["metod"] = "x"
    doc = recompute_digest(doc)
    with (
        pytest.warns(UnsignedRecordWarning),
        pytest.raises(
            DecisionRecordError,
            match=r"request is not a valid ahp request: metod: Extra inputs are not permitted",
        ),
    ):
        rc.replay(rc.DecisionRecord.model_validate(doc), key=None, allow_unsigned=True)


# ------------------------------------------------------------------ the key


def test_key_from_environment_and_key_file_agree(tmp_path):
    """CITYMATCH_RECORD_KEY holds the key (its UTF-8 bytes); CITYMATCH_RECORD_KEY_FILE a file
    with it (one trailing newline removed, mode 600): both give the same key id."""
    from_env = rc.load_record_key({"CITYMATCH_RECORD_KEY": SECRET.decode()})
    path = tmp_path / "record.key"
    path.write_bytes(SECRET + b"\n")
    path.chmod(0o600)
    from_file = rc.load_record_key({"CITYMATCH_RECORD_KEY_FILE": str(path)})
    assert from_env is not None and from_file is not None
    assert from_env.key_id == from_file.key_id == key_id_of(SECRET)
    assert rc.load_record_key({}) is None


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_file_readable_by_others_is_refused(tmp_path):
    """A key file readable by group or others is refused, naming the file and its mode."""
    path = tmp_path / "record.key"
    path.write_bytes(SECRET)
    path.chmod(0o644)
    with pytest.raises(
        RecordKeyError,
        match=r"CITYMATCH_RECORD_KEY_FILE file '.*record\.key' must be readable by its owner "
        r"only \(chmod 600\); got mode 0644\.",
    ):
        rc.load_record_key({"CITYMATCH_RECORD_KEY_FILE": str(path)})


def test_bad_key_configurations_are_refused(tmp_path):
    """Too short (names the length, not the key), both variables set, an unreadable key file."""
    short = "hunter2-short-key"
    with pytest.raises(
        RecordKeyError,
        match=r"record signing key from CITYMATCH_RECORD_KEY must be at least 32 bytes; "
        r"got 17 bytes\.",
    ) as info:
        rc.load_record_key({"CITYMATCH_RECORD_KEY": short})
    assert short not in str(info.value)
    with pytest.raises(RecordKeyError, match="set only one of CITYMATCH_RECORD_KEY"):
        rc.load_record_key({"CITYMATCH_RECORD_KEY": "x" * 40, "CITYMATCH_RECORD_KEY_FILE": "k"})
    missing = tmp_path / "nope.key"
    with pytest.raises(RecordKeyError, match=r"file '.*nope\.key' cannot be read"):
        rc.load_record_key({"CITYMATCH_RECORD_KEY_FILE": str(missing)})
    with pytest.raises(RecordKeyError, match="must be bytes; got str"):
        rc.RecordKey("x" * 40)


def test_key_never_appears_in_reprs_records_or_errors(signed_ahp):
    """The key's bytes appear in no repr, record and error message of the flows above."""
    texts = [repr(KEY), str(KEY), json.dumps(signed_ahp)]
    for key, doc in ((KEY, recompute_digest(dict(signed_ahp, seed=9))), (OTHER_KEY, signed_ahp)):
        with pytest.raises(DecisionRecordError) as info:
            rc.replay(rc.DecisionRecord.model_validate(doc), key=key)
        texts.append(str(info.value))
    for text in texts:
        for secret in (SECRET, OTHER):
            assert secret.decode() not in text and secret.hex() not in text
    assert repr(KEY) == f"RecordKey(key_id='{key_id_of(SECRET)}', source='the tests')"
