"""Hostile JSON and TOML inputs: deep nesting, a byte-order mark, a directory, bad UTF-8.

Every such file gives a citymatch error naming the file and the rule (never RecursionError,
UnicodeDecodeError or IsADirectoryError); a UTF-8 byte-order mark is accepted and removed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from citymatch import load_criteria
from citymatch.agreements import load_register
from citymatch.cli import main
from citymatch.errors import (
    CitymatchValueError,
    CriteriaFileError,
    PairwiseMatrixError,
    PortfolioError,
    RegisterError,
)
from citymatch.portfolio import load_problem
from helpers import ROOT

DEEP = 100_000
CRITERIA = ROOT / "criteria" / "project.toml"
PROBLEM = ROOT / "examples" / "toronto_portfolio.toml"
AGREEMENT = sorted((ROOT / "examples" / "register").glob("*.toml"))[0]

LOADERS = [
    pytest.param(load_criteria, CriteriaFileError, "criteria file", id="criteria"),
    pytest.param(load_problem, PortfolioError, "portfolio problem", id="portfolio"),
]


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def deep_toml(depth: int = DEEP) -> str:
    return "a = " + "[" * depth + "]" * depth + "\n"


def register_with(tmp_path, name: str, data: bytes | None):
    folder = tmp_path / "register"
    folder.mkdir()
    if data is None:
        (folder / name).mkdir()
    else:
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(("load", "error", "what"), LOADERS)
@pytest.mark.parametrize(("suffix", "text"), [(".toml", deep_toml()), (".json", deep_json())])
def test_deep_nesting_is_a_clear_error(tmp_path, load, error, what, suffix, text):
    """A criteria set or portfolio problem nested 100,000 deep: an error naming the file and
    the nesting limit, not RecursionError."""
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    with pytest.raises(
        error, match=rf"{what} '.*deep\{suffix}' is nested too deeply: at most 64 levels"
    ):
        load(path)


@pytest.mark.parametrize(("load", "error", "what"), LOADERS)
def test_nesting_beyond_the_limit_but_parsable_is_refused(tmp_path, load, error, what):
    """Nesting of 100 levels parses, yet is refused by the depth limit (64), naming the file."""
    path = tmp_path / "hundred.json"
    path.write_text(json.dumps({"name": json.loads(deep_json(100))}))
    with pytest.raises(error, match=r"is nested too deeply: .* got more than 64\."):
        load(path)


def test_register_agreement_nested_deeply(tmp_path):
    """A register agreement nested 100,000 deep names the agreement file."""
    folder = register_with(tmp_path, "deep.toml", deep_toml().encode())
    with pytest.raises(RegisterError, match=r"register file '.*deep\.toml' is nested too deeply"):
        load_register(folder)


@pytest.mark.parametrize(("load", "error", "what"), LOADERS)
def test_directory_named_like_a_file(tmp_path, load, error, what):
    """A directory named x.toml is refused as 'a directory, not a file' (not IsADirectoryError)."""
    (tmp_path / "x.toml").mkdir()
    with pytest.raises(error, match=rf"{what} '.*x\.toml' is a directory, not a file\."):
        load(tmp_path / "x.toml")


def test_register_directory_named_like_a_file(tmp_path):
    """A directory y.toml inside a register folder names it, instead of IsADirectoryError."""
    folder = register_with(tmp_path, "y.toml", None)
    with pytest.raises(
        RegisterError, match=r"register file '.*y\.toml' is a directory, not a file"
    ):
        load_register(folder)


@pytest.mark.parametrize(("load", "error", "what"), LOADERS)
def test_invalid_utf8_names_line_and_column(tmp_path, load, error, what):
    """Invalid UTF-8 names the file, the byte, its line and column (not UnicodeDecodeError)."""
    path = tmp_path / "bad.toml"
    path.write_bytes(b'# ok\nname = "\xff"\n')
    with pytest.raises(
        error, match=rf"{what} '.*bad\.toml' must be UTF-8 text; got byte 0xff at line 2, column 9"
    ):
        load(path)


def test_register_invalid_utf8(tmp_path):
    """An agreement file with invalid UTF-8 names the file and where the bad byte is."""
    folder = register_with(tmp_path, "bad.toml", b'id = "\xc3"\n')
    with pytest.raises(
        RegisterError, match=r"'.*bad\.toml' must be UTF-8 text; got byte 0xc3 at line 1"
    ):
        load_register(folder)


@pytest.mark.parametrize(
    ("load", "source"),
    [(load_criteria, CRITERIA), (load_problem, PROBLEM)],
    ids=["criteria", "portfolio"],
)
def test_byte_order_mark_is_accepted(tmp_path, load, source):
    """A UTF-8 BOM (as Notepad writes) is removed: the file loads equal to the file without it."""
    path = tmp_path / source.name
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    assert load(path) == load(source)


def test_register_byte_order_mark_is_accepted(tmp_path):
    """An agreement file starting with a BOM loads like the same file without it."""
    folder = register_with(tmp_path, AGREEMENT.name, b"\xef\xbb\xbf" + AGREEMENT.read_bytes())
    got = load_register(folder)
    want = load_register(AGREEMENT.parent)
    (a,) = list(got)
    assert a == want[a.id]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["ahp", "{path}"], "`MATRIX` file '{path}' is nested too deeply"),
        (["portfolio", "{path}"], "portfolio problem '{path}' is nested too deeply"),
        (["record", "ahp", "{path}"], "`REQUEST` file '{path}' is nested too deeply"),
        (["record", "portfolio", "{path}"], "`REQUEST` file '{path}' is nested too deeply"),
    ],
    ids=["ahp", "portfolio", "record-ahp", "record-portfolio"],
)
def test_cli_deep_json_exit_1(tmp_path, capsys, argv, needle):
    """CLI commands reading JSON nested 100,000 deep exit 1 with one line naming the file."""
    path = tmp_path / "deep.json"
    path.write_text(deep_json())
    assert main([a.format(path=path) for a in argv]) == 1
    err = capsys.readouterr().err
    assert needle.format(path=path) in err and "Traceback" not in err


def test_cli_deep_json_subprocess_no_traceback(tmp_path):
    """Run as a user runs it: deep JSON into `citymatch ahp` prints no traceback, exit 1."""
    path = tmp_path / "deep.json"
    path.write_text(deep_json())
    out = subprocess.run(
        [sys.executable, "-m", "citymatch", "ahp", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 1, out.stderr
    assert "nested too deeply" in out.stderr and "Traceback" not in out.stderr


def test_cli_matrix_json_must_be_rows(tmp_path, capsys):
    """An AHP matrix file holding a JSON string instead of rows names the file and the rule."""
    path = tmp_path / "m.json"
    path.write_text('"x"')
    assert main(["ahp", str(path)]) == 1
    assert "must hold a JSON array of rows" in capsys.readouterr().err
    with pytest.raises(PairwiseMatrixError, match="must hold a JSON array of rows"):
        main(["--debug", "ahp", str(path)])


def test_cli_request_must_be_an_object(tmp_path):
    """A REQUEST file holding a JSON array names the file and says a JSON object is needed."""
    path = tmp_path / "r.json"
    path.write_text("[1, 2]")
    with pytest.raises(
        CitymatchValueError, match=r"`REQUEST` file '.*r\.json' must hold a JSON object"
    ):
        main(["--debug", "record", "ahp", str(path)])
