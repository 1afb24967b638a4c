"""Issue 13: signed decision records through the CLI and the service, and ``citymatch record``
/ ``citymatch replay`` on invalid input (one line naming the file, exit 1 or 2, no traceback).

The key is never shown: not in the record file, not on stdout/stderr, not in the service's
responses, OpenAPI document or logs.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from citymatch.cli import main
from citymatch.errors import RecordKeyError
from citymatch.service import DecisionRecord, RecordKey, create_app, replay

SECRET = "service-key-0123456789abcdef-0123456789"
KEY_ID = hashlib.sha256(SECRET.encode()).hexdigest()[:16]
AHP = {"matrix": [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]}


def run(*args, env_key: str | None = SECRET):
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CITYMATCH_RECORD_KEY", "CITYMATCH_RECORD_KEY_FILE")
    }
    if env_key is not None:
        env["CITYMATCH_RECORD_KEY"] = env_key
    return subprocess.run(
        [sys.executable, "-m", "citymatch", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
    )


@pytest.fixture
def no_key(monkeypatch):
    monkeypatch.delenv("CITYMATCH_RECORD_KEY", raising=False)
    monkeypatch.delenv("CITYMATCH_RECORD_KEY_FILE", raising=False)


@pytest.fixture
def with_key(monkeypatch):
    monkeypatch.delenv("CITYMATCH_RECORD_KEY_FILE", raising=False)
    monkeypatch.setenv("CITYMATCH_RECORD_KEY", SECRET)


# ------------------------------------------------------------------ CLI, as a user runs it


def test_cli_signed_round_trip_and_forgery(tmp_path):
    """`citymatch record` signs with CITYMATCH_RECORD_KEY (key id on stderr), `replay`
    verifies it (exit 0); the issue's forgery (score changed, digest recomputed) exits 1 with
    the signature error and no traceback; the key appears in no file or output."""
    req = tmp_path / "req.json"
    req.write_text(json.dumps(AHP))
    rec = tmp_path / "rec.json"
    made = run("record", "ahp", req, "--output", rec)
    assert made.returncode == 0, made.stderr
    assert made.stderr == f"citymatch: record signed with key id {KEY_ID}.\n"
    ok = run("replay", rec)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0] == f"signature verified (key id {KEY_ID})."
    doc = json.loads(rec.read_text())
    assert doc["signed"] is True and doc["key_id"] == KEY_ID
    doc["response"]["weights"][0] = 0.9
    content = {k: v for k, v in doc.items() if k not in ("digest", "signed", "key_id", "signature")}
    doc["digest"] = hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    bad = run("replay", forged)
    assert bad.returncode == 1 and bad.stdout == ""
    assert f"failed its signature check (key id '{KEY_ID}')" in bad.stderr
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
    wrong = run("replay", rec, env_key="another-key-0123456789abcdef-0123456789")
    assert wrong.returncode == 1 and f"signed with key id '{KEY_ID}'" in wrong.stderr
    for out in (made, ok, bad, wrong):
        assert SECRET not in out.stdout + out.stderr
    assert SECRET not in rec.read_text()


def test_cli_unsigned_record_is_said_and_refused_by_default(tmp_path):
    """Without a key, `record` writes an unsigned record and says so on stderr; `replay`
    refuses it (exit 1) unless --allow-unsigned (exit 0, a warning line on stderr)."""
    req = tmp_path / "req.json"
    req.write_text(json.dumps(AHP))
    rec = tmp_path / "rec.json"
    made = run("record", "ahp", req, "--output", rec, env_key=None)
    assert made.returncode == 0 and "the record is UNSIGNED" in made.stderr
    assert json.loads(rec.read_text())["signed"] is False
    refused = run("replay", rec, env_key=None)
    assert refused.returncode == 1 and "decision record is unsigned" in refused.stderr
    allowed = run("replay", rec, "--allow-unsigned", env_key=None)
    assert allowed.returncode == 0, allowed.stderr
    assert "the record is UNSIGNED" in allowed.stderr
    assert "digest checked, unsigned" in allowed.stdout


def test_cli_bad_key_is_a_usage_error_without_the_key(tmp_path):
    """A key shorter than 32 bytes: exit 2, one line naming the variable, not the key."""
    req = tmp_path / "req.json"
    req.write_text(json.dumps(AHP))
    short = "tiny-secret-value"
    out = run("record", "ahp", req, env_key=short)
    assert out.returncode == 2
    assert out.stderr == (
        "citymatch: error: record signing key from CITYMATCH_RECORD_KEY must be at least "
        "32 bytes; got 17 bytes.\n"
    )
    assert short not in out.stderr + out.stdout


BAD_FILES = {
    "empty": (b"", "is empty; expected a JSON object."),
    "blank": (b"  \n", "is empty; expected a JSON object."),
    "broken": (b'{"matrix": [[1,', "is not valid JSON: Expecting value at line 1 column 16."),
    "not-utf8": (b"\xff\xfe{}", "is not UTF-8 text: byte 0 is 0xff."),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "is nested too deeply to be read as JSON."),
    "list": (b"[1, 2]", "must hold a JSON object; got a JSON list."),
    "nan": (b'{"matrix": NaN}', "is not valid JSON: NaN is not a JSON number."),
    "huge": (
        b'{"matrix": [[1e400]]}',
        "is not valid JSON: number 1e400 is beyond the range of a 64-bit float.",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_cli_record_and_replay_on_a_bad_file(tmp_path, capsys, with_key, case):
    """A request or record file that is empty, broken, not UTF-8, nested 100,000 deep, not an
    object or with NaN: exit 1 and one line naming the file and the problem."""
    content, problem = BAD_FILES[case]
    path = tmp_path / f"{case}.json"
    path.write_bytes(content)
    assert main(["record", "ahp", str(path)]) == 1
    assert capsys.readouterr().err == f"citymatch: `REQUEST` file '{path}' {problem}\n"
    assert main(["replay", str(path)]) == 1
    assert capsys.readouterr().err == f"citymatch: decision record '{path}' {problem}\n"


def test_cli_record_and_replay_on_a_directory_or_missing_file(tmp_path, capsys, with_key):
    """A directory or a missing file: exit 1, one line naming it."""
    for path, problem in (
        (tmp_path, "is a directory, not a file."),
        (tmp_path / "no.json", "does not exist."),
    ):
        assert main(["record", "ahp", str(path)]) == 1
        assert capsys.readouterr().err == f"citymatch: `REQUEST` file '{path}' {problem}\n"
        assert main(["replay", str(path)]) == 1
        assert capsys.readouterr().err == f"citymatch: decision record '{path}' {problem}\n"


def test_cli_request_against_the_contract_and_a_file_that_is_not_a_record(
    tmp_path, capsys, with_key
):
    """A request that breaks the contract and a JSON object that is not a record (a request
    given to replay): exit 1, one line naming the file and the fields."""
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"matrix": [[1, 2], [0.5, 1]], "extra": 1}))
    assert main(["record", "rank", str(req)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"citymatch: `REQUEST` file '{req}' (rank request): candidates: Field required"
    )
    assert err.count("\n") == 1
    assert main(["replay", str(req)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"citymatch: decision record '{req}' is not a valid record: operation: Field required"
    )
    assert err.count("\n") == 1


def test_cli_output_directory_is_a_usage_error(tmp_path, capsys, with_key):
    """`record --output DIR` is a usage error (exit 2), refused before anything runs."""
    req = tmp_path / "req.json"
    req.write_text(json.dumps(AHP))
    assert main(["record", "ahp", str(req), "--output", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"citymatch: error: --output must be a file path; got the directory {str(tmp_path)!r}.\n"
    )


# ------------------------------------------------------------------ the service


def test_service_signs_records_with_the_key_read_at_creation(with_key, monkeypatch, caplog):
    """A service created with CITYMATCH_RECORD_KEY set returns signed records (signed, key_id)
    that replay verified; the key is read at creation (unsetting it later changes nothing) and
    appears in no response, OpenAPI document or log record."""
    client = TestClient(create_app())
    monkeypatch.delenv("CITYMATCH_RECORD_KEY")
    r = client.post("/v1/record/ahp", json=AHP)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["signed"] is True and body["key_id"] == KEY_ID
    res = replay(DecisionRecord.model_validate(body), key=RecordKey(SECRET.encode()))
    assert res.verified and res.differences == ()
    texts = [r.text, client.get("/openapi.json").text, client.get("/health").text, caplog.text]
    texts.append(client.post("/v1/record/ahp", json={"matrix": "x"}).text)
    assert all(SECRET not in t for t in texts)


def test_service_with_a_bad_key_fails_at_creation(monkeypatch):
    """A service configured with an unusable key refuses to start (not a 500 per request)."""
    monkeypatch.setenv("CITYMATCH_RECORD_KEY", "short")
    with pytest.raises(RecordKeyError, match="must be at least 32 bytes; got 5 bytes"):
        create_app()


def test_real_server_signs_and_keeps_the_key_out_of_its_logs(tmp_path):
    """`citymatch serve` with CITYMATCH_RECORD_KEY on loopback: /v1/record/ahp returns a signed
    record that verifies; the server's stdout/stderr never contain the key."""
    import os

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "server.log"
    env = dict(os.environ, CITYMATCH_RECORD_KEY=SECRET)
    env.pop("CITYMATCH_RECORD_KEY_FILE", None)
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "citymatch", "serve", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            body = None
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/record/ahp",
                data=json.dumps(AHP).encode(),
                headers={"Content-Type": "application/json"},
            )
            for _ in range(200):
                try:
                    with urllib.request.urlopen(request, timeout=5) as r:
                        body = json.loads(r.read())
                        break
                except OSError:
                    time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert body is not None and body["signed"] is True and body["key_id"] == KEY_ID
    res = replay(DecisionRecord.model_validate(body), key=RecordKey(SECRET.encode()))
    assert res.verified and res.differences == ()
    text = log.read_text(errors="replace")
    assert "POST /v1/record/ahp" in text and SECRET not in text
