"""The command line under bad input: exit 1 for data, 2 for usage, 3 for a portfolio stopped
by its time limit before any plan; one line on stderr and never a traceback without --debug.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import citymatch.portfolio
from citymatch.cli import main
from citymatch.errors import ArgumentError, CitymatchError
from helpers import ROOT
from portfolio_helpers import hard_problem

DEEP = 100_000


def run_main(argv):
    """main() in process: (exit code, stderr) — argparse's SystemExit counted as its code."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def one_line_no_traceback(err: str) -> None:
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0 or err.startswith("usage:"), err


# --------------------------------------------------------------------------- usage: exit 2
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["review", "example", "--cap", "-1"],
            "argument --cap: must be a non-negative integer; got -1.",
        ),
        (
            ["review", "example", "--months", "-5"],
            "argument --months: must be a non-negative integer; got -5.",
        ),
        (
            ["portfolio", "example", "--time-limit", "abc"],
            "argument --time-limit: must be a positive number; got 'abc'.",
        ),
        (
            ["portfolio", "example", "--time-limit", "-1"],
            "argument --time-limit: must be a positive finite number; got '-1'.",
        ),
        (
            ["portfolio", "example", "--time-limit", "nan"],
            "argument --time-limit: must be a positive finite number; got 'nan'.",
        ),
        (
            ["portfolio", "example", "--time-limit", "inf"],
            "argument --time-limit: must be a positive finite number; got 'inf'.",
        ),
        (
            ["portfolio", "example", "--time-limit", "0"],
            "argument --time-limit: must be a positive finite number; got '0'.",
        ),
        (
            [
                "rank",
                "example",
                "--criteria",
                "partnership-city",
                "--stream",
                "--top",
                "3",
                "--chunk-rows",
                "0",
            ],
            "argument --chunk-rows: must be a positive integer; got 0.",
        ),
        (
            ["rank", "example", "--criteria", "partnership-city", "--threads", "0"],
            "unrecognized arguments: --threads 0",
        ),
        (
            ["rank", "example", "--criteria", "partnership-city", "--scores", "s.parquet"],
            "--scores needs --stream.",
        ),
        (
            ["sensitivity", "example", "--criteria", "partnership-city", "--top-k", "0"],
            "argument --top-k: must be a positive integer; got 0.",
        ),
        (
            ["sensitivity", "example", "--criteria", "partnership-city", "--rows", "-1"],
            "argument --rows: must be a positive integer; got -1.",
        ),
        (
            ["sensitivity", "example", "--criteria", "partnership-city", "--seed", "-1"],
            "argument --seed: must be a non-negative integer; got -1.",
        ),
        (
            ["sensitivity", "example", "--criteria", "partnership-city", "--concentration", "-1"],
            "argument --concentration: must be a positive finite number; got '-1'.",
        ),
        (
            ["sensitivity", "example", "--criteria", "partnership-city", "--sampler", "gauss"],
            "invalid choice: 'gauss'",
        ),
        (["ahp", "m.json", "--method", "power"], "invalid choice: 'power'"),
        (["ahp", "m.json", "--ri", "nope"], "--ri must name a random-index table (saaty1980, "),
        (
            ["report", "example", "--year", "-5"],
            "argument --year: must be a calendar year in 1..9999; got -5.",
        ),
        (
            ["report", "example", "--year", "x"],
            "argument --year: must be a calendar year in 1..9999; got 'x'.",
        ),
        (
            ["serve", "--port", "999999"],
            "argument --port: must be a port number in 0..65535; got 999999.",
        ),
        (["review", "example", "--candidates", "c.csv"], "--candidates needs --criteria"),
    ],
)
def test_usage_errors_exit_2(tmp_path, capsys, monkeypatch, argv, needle):
    """A bad, unknown or conflicting option value exits 2 with one line naming the option and
    the value, and no traceback (was: exit 0 for --cap -1, exit 1 for --time-limit -1, a raw
    OverflowError for --port 999999)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text("[[1, 2], [0.5, 1]]")
    assert run_main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_library_argument_error_exits_2(capsys, monkeypatch):
    """An option value the library refuses with ArgumentError is a usage error: exit 2, one
    line; with --debug the exception propagates (its traceback shows)."""

    def refuse(*args, **kwargs):
        raise ArgumentError("`time_limit` must be positive seconds; got -1.")

    monkeypatch.setattr(citymatch.portfolio, "optimize_portfolio", refuse)
    assert run_main(["portfolio", "example"]) == 2
    err = capsys.readouterr().err
    assert err == "citymatch: error: `time_limit` must be positive seconds; got -1.\n"
    with pytest.raises(ArgumentError, match="`time_limit` must be positive"):
        main(["--debug", "portfolio", "example"])


@pytest.mark.parametrize(
    "exc",
    [RecursionError("maximum recursion depth exceeded"), KeyError("x"), OverflowError("big"),
     UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), MemoryError()],
    ids=lambda e: type(e).__name__,
)  # fmt: skip
def test_any_exception_is_one_line_without_debug(capsys, monkeypatch, exc):
    """Whatever a command raises, without --debug the user gets exit 1 and one line naming the
    exception type, never a traceback; with --debug the exception propagates."""

    def boom(*args, **kwargs):
        raise exc

    monkeypatch.setattr(citymatch.portfolio, "optimize_portfolio", boom)
    assert run_main(["portfolio", "example"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"citymatch: unexpected error ({type(exc).__name__}): ")
    assert "rerun with --debug for the traceback" in err
    one_line_no_traceback(err)
    with pytest.raises(type(exc)):
        main(["--debug", "portfolio", "example"])


def test_debug_shows_the_traceback_in_a_real_process(tmp_path):
    """Run as a user runs it: a data error prints one line without --debug, the traceback with."""
    path = tmp_path / "cut.csv"
    path.write_text("id,a,b\nx,1,2\ny,3\n")
    argv = [sys.executable, "-m", "citymatch", "rank", str(path), "--criteria", "project"]
    quiet = subprocess.run(argv, capture_output=True, text=True)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert "line 3 has 2 field(s)" in quiet.stderr
    loud = subprocess.run([*argv[:3], "--debug", *argv[3:]], capture_output=True, text=True)
    assert loud.returncode == 1 and "Traceback" in loud.stderr


# --------------------------------------------------------------------------- data: exit 1
def bad_files(tmp_path):
    """Every hostile input file, by name."""
    files = {}

    def put(name, data):
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        files[name] = path

    put("deep.json", "[" * DEEP + "]" * DEEP)
    put("deep.toml", "a = " + "[" * DEEP + "]" * DEEP + "\n")
    put("badutf.toml", b'name = "\xff"\n')
    put("badutf.json", b'{"name": "\xff"}')
    put("zero.parquet", b"")
    put("notparquet.parquet", "id,a\nx,1\n")
    put("header.csv", "id,trade_ties\n")
    put("cut.csv", "id,name,trade_ties\nx,X,1\ny,Y\n")
    (tmp_path / "dir.toml").mkdir()
    files["dir.toml"] = tmp_path / "dir.toml"
    for name in ("deep.toml", "badutf.toml", "dir.toml"):
        reg = tmp_path / f"register-{name}"
        reg.mkdir()
        target = reg / "a.toml"
        if name == "dir.toml":
            target.mkdir()
        else:
            target.write_bytes(files[name].read_bytes())
        files[f"register-{name}"] = reg
    return files


COMMANDS = [
    (
        ["rank", "{f}", "--criteria", "partnership-city"],
        ["zero.parquet", "notparquet.parquet", "header.csv", "cut.csv"],
    ),
    (
        ["rank", "{f}", "--criteria", "partnership-city", "--stream", "--top", "3"],
        ["zero.parquet", "notparquet.parquet"],
    ),
    (
        ["rank", "example", "--criteria", "{f}"],
        ["deep.toml", "deep.json", "badutf.toml", "badutf.json", "dir.toml"],
    ),
    (
        ["sensitivity", "{f}", "--criteria", "partnership-city", "--samples", "10"],
        ["zero.parquet", "header.csv", "cut.csv"],
    ),
    (["sensitivity", "example", "--criteria", "{f}", "--samples", "10"], ["deep.toml", "dir.toml"]),
    (["ahp", "{f}"], ["deep.json", "badutf.json", "header.csv", "cut.csv"]),
    (["portfolio", "{f}"], ["deep.json", "deep.toml", "badutf.toml", "dir.toml"]),
    (["review", "{f}"], ["register-deep.toml", "register-badutf.toml", "register-dir.toml"]),
    (["review", "example", "--criteria", "{f}"], ["deep.toml", "dir.toml"]),
    (["report", "{f}", "--year", "2025"], ["register-deep.toml", "register-dir.toml"]),
    (["record", "ahp", "{f}"], ["deep.json", "badutf.json", "dir.toml"]),
    (["record", "portfolio", "{f}"], ["deep.json"]),
    (["replay", "{f}"], ["deep.json", "badutf.json"]),
    (["criteria", "validate", "{f}"], ["deep.toml", "badutf.toml", "dir.toml"]),
]
CASES = [
    pytest.param(
        argv, name, id=f"{argv[0]}-{'-'.join(a for a in argv[1:] if a.startswith('--'))}-{name}"
    )
    for argv, names in COMMANDS
    for name in names
]


#: The rule each hostile file breaks, as the message states it.
RULE = {
    "deep": "is nested too deeply: at most 64 levels",
    "badutf": "must be UTF-8 text; got byte 0xff",
    "dir": "is a directory, not a file",
    "zero": "is empty (0 bytes)",
    "notparquet": "is not a readable Parquet file",
    "header": "has no rows: only a header",
    "cut": "line 3 has 2 field(s); the header (line 1) has 3",
}


@pytest.mark.parametrize(("argv", "name"), CASES)
def test_every_command_bad_file_exit_1_no_traceback(tmp_path, capsys, argv, name):
    """Each subcommand given each hostile file exits 1 with one line on stderr, no traceback
    and no exception escaping main() (was: RecursionError, ArrowInvalid, UnicodeDecodeError,
    IsADirectoryError, KeyError …)."""
    files = bad_files(tmp_path)
    code = run_main([a.replace("{f}", str(files[name])) for a in argv])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("citymatch: ") and "unexpected error" not in err
    assert "Traceback" not in err and err.count("\n") == 1
    if argv[0] not in ("record", "replay"):  # request/record files: the records layer's words
        assert RULE[name.removeprefix("register-").split(".")[0]] in err, err
        assert str(files[name]) in err or (name.startswith("register-") and "a.toml" in err)


# --------------------------------------------------------------------------- portfolio time-out
@pytest.fixture(scope="module")
def hard_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("hard") / "hard.json"
    path.write_text(json.dumps(hard_problem()))
    return path


def test_portfolio_timeout_table_says_so_and_exits_3(hard_file, capsys):
    """A time-out before any plan (forced: 1 µs on a hard 60-project problem): the table states
    the TIME_LIMIT status and that no plan was found, and the command exits 3."""
    assert main(["portfolio", str(hard_file), "--time-limit", "1e-6"]) == 3
    out = capsys.readouterr()
    assert "No plan was found (TIME_LIMIT)" in out.out
    assert "stopped at the time limit (1e-06 s) before it found any plan" in out.out
    assert "--time-limit SECONDS" in out.out and out.err == ""


@pytest.mark.parametrize("frontier", [False, True], ids=["plan", "with-frontier"])
def test_portfolio_timeout_json_is_valid_and_exits_3(hard_file, capsys, frontier):
    """--format json on a time-out is valid JSON (no NaN: parse_constant refuses it), value and
    x are null, status 1 (TIME_LIMIT); the command exits 3."""
    argv = ["portfolio", str(hard_file), "--time-limit", "1e-6", "--format", "json"]
    assert main(argv + (["--frontier"] if frontier else [])) == 3

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    doc = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert doc["status"] == 1 and doc["success"] is False and doc["value"] is None
    assert set(doc["x"].values()) == {None}


def test_emit_json_never_writes_nan(capsys):
    """The CLI's JSON writer turns NaN and ±inf into null, so its output is always JSON."""
    from citymatch.cli.output import emit_json

    emit_json({"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": -float("inf")}}, None)
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [1.5, None], "c": {"d": None}}


def test_portfolio_exit_codes_are_documented():
    """`citymatch portfolio --help` states exit code 3 (time limit before any plan)."""
    out = subprocess.run(
        [sys.executable, "-m", "citymatch", "portfolio", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "3 the time limit stopped the solver before it found any plan" in text
    assert "3 `portfolio` stopped by `--time-limit`" in " ".join(
        (ROOT / "README.md").read_text().split()
    )


def test_citymatch_errors_are_the_only_errors_from_files(tmp_path):
    """Library level: the loaders behind the commands raise citymatch errors for every file."""
    from citymatch import load_criteria
    from citymatch.portfolio import load_problem

    files = bad_files(tmp_path)
    for name in ("deep.toml", "deep.json", "badutf.toml", "dir.toml"):
        for load in (load_criteria, load_problem):
            with pytest.raises(CitymatchError):
                load(files[name])
