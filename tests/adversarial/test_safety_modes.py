"""Issue 13 — every output file gets the same umask-derived mode: ``0o666 & ~umask`` (0644
under umask 022, 0600 under 077), new or replacing an older file, for every format citymatch
writes — CSV, XLSX, Parquet, Markdown and HTML reports, JSON, the register's TOML (and its
lock file)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from citymatch import agreements as ag
from citymatch import scale
from citymatch.agreements.register import LOCK_FILE
from citymatch.cli import main
from citymatch.models.agreement import Agreement
from helpers import ROOT

CITIES = ROOT / "examples" / "data" / "cities.csv"
REGISTER = ROOT / "examples" / "register"


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under the given umask, then restore the old one."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _cli(*args: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        assert main([*args, "--output", str(path)]) == 0

    return write


def _register_toml(path: Path) -> None:
    reg = ag.load_register(path.parent) if path.exists() else ag.Register(path.parent, {})
    a = Agreement.model_validate({"id": path.stem, "partners": ["x"], "class": "MOU"})
    reg.save(a.model_copy(update={"owner": "owner" if path.exists() else None}))


def _export(path: Path) -> None:
    ag.export_table(ag.load_register(REGISTER), path, as_of=date(2026, 1, 1))


def _parquet(path: Path) -> None:
    src = path.parent / "in"
    src.mkdir(exist_ok=True)
    pd.read_csv(CITIES).to_parquet(src / "c.parquet", index=False)
    scale.rank_parquet(src, "partnership-city", output=path)


WRITERS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "csv (rank --output)": (
        "out.csv",
        _cli("rank", str(CITIES), "--criteria", "partnership-city", "--format", "csv"),
    ),
    "json (rank --format json)": (
        "out.json",
        _cli("rank", str(CITIES), "--criteria", "partnership-city", "--format", "json"),
    ),
    "markdown report": ("report.md", _cli("report", str(REGISTER), "--year", "2025")),
    "html report": (
        "report.html",
        _cli("report", str(REGISTER), "--year", "2025", "--format", "html"),
    ),
    "csv export": ("table.csv", _export),
    "xlsx export": ("table.xlsx", _export),
    "parquet scores": ("scores.parquet", _parquet),
    "register toml": ("a.toml", _register_toml),
}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_output_mode_follows_the_umask(tmp_path, umask, kind, capsys):
    """A new output and one replacing an older file (mode 0640) both get 0o666 & ~umask, and
    no temporary file is left beside it."""
    pytest.importorskip("pyarrow")
    pytest.importorskip("openpyxl")
    name, write = WRITERS[kind]
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    expected = 0o666 & ~umask
    write(target)
    assert oct(stat.S_IMODE(target.stat().st_mode)) == oct(expected)
    target.chmod(0o640)
    write(target)
    assert oct(stat.S_IMODE(target.stat().st_mode)) == oct(expected)
    assert [p.name for p in folder.glob(".*") if p.name != LOCK_FILE] == []
    if kind == "register toml":
        lock = folder / LOCK_FILE
        assert oct(stat.S_IMODE(lock.stat().st_mode)) == oct(expected)
