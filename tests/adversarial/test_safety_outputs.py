"""Issue 13 — outputs never touch inputs: an output that is the input under any spelling, a
link to it, or lies inside the source folder is refused before any pass, naming both paths;
the input is left byte for byte as it was and nothing is written."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from citymatch import scale
from citymatch.cli import main
from citymatch.errors import OutputPathError
from helpers import ROOT

pytest.importorskip("pyarrow")

CITIES = ROOT / "examples" / "data" / "cities.csv"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def source(tmp_path, monkeypatch):
    """A folder ``x`` holding the shipped cities as two Parquet files; cwd = tmp_path."""
    folder = tmp_path / "x"
    folder.mkdir()
    cities = pd.read_csv(CITIES)
    half = len(cities) // 2
    cities.iloc[:half].to_parquet(folder / "a.parquet", index=False)
    cities.iloc[half:].to_parquet(folder / "b.parquet", index=False)
    monkeypatch.chdir(tmp_path)
    return folder


def _spellings(folder: Path) -> list[tuple[str, str, str]]:
    """(source, output, reason) cases; links are made here, beside the folder."""
    top = folder.parent
    os.symlink(folder / "a.parquet", top / "sym.parquet")
    os.link(folder / "a.parquet", top / "hard.parquet")
    os.symlink(folder, top / "xlink")
    return [
        ("x/a.parquet", "x/a.parquet", "is the same file as the"),
        ("x/a.parquet", "./x/../x/a.parquet", "is the same file as the"),
        ("x/a.parquet", "sym.parquet", "is the same file as the"),
        ("x/a.parquet", "hard.parquet", "is the same file as the"),
        ("sym.parquet", "x/a.parquet", "is the same file as the"),
        ("x", "x/out.parquet", "is inside the"),
        ("x", "./x/../x/out.parquet", "is inside the"),
        ("x", "x/sub/../out.parquet", "is inside the"),
        ("xlink", "x/out.parquet", "is inside the"),
        ("x", "xlink/out.parquet", "is inside the"),
        ("x", "hard.parquet", "is a hard link to a file inside the"),
    ]


def test_streamed_output_over_its_input_is_refused_in_every_spelling(source):
    """rank_parquet and topsis_parquet refuse every spelling of "output is, or is inside, the
    source" before any pass; the source folder is unchanged and nothing is written."""
    (source / "sub").mkdir()
    cases = _spellings(source)
    before = _snapshot(source.parent)
    for src, out, why in cases:
        pattern = rf"`output` must not be the source.*got '{out}', which {why} source.*'{src}'"
        with pytest.raises(OutputPathError, match=pattern.replace(".parquet", r"\.parquet")):
            scale.rank_parquet(src, "partnership-city", top=3, output=out)
        with pytest.raises(OutputPathError, match=r"`output` must not be the source"):
            scale.topsis_parquet(src, [1, 1], [1, 1], ["population", "distance_km"], output=out)
        assert _snapshot(source.parent) == before, (src, out)


def test_streamed_output_elsewhere_still_works(source):
    """The check refuses only real overlaps: an output beside the source folder is written."""
    res = scale.rank_parquet("x", "partnership-city", top=3, output="x-scores.parquet")
    assert res.output == Path("x-scores.parquet") and Path("x-scores.parquet").is_file()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["rank", "cities.csv", "--output", "cities.csv"], "'cities.csv', which is the same file"),
        (
            ["rank", "cities.csv", "--output", "./d/../cities.csv"],
            "'./d/../cities.csv', which is the same file",
        ),
        (["rank", "link.csv", "--output", "cities.csv"], "which is the same file as the input"),
        (
            ["rank", "x", "--stream", "--top", "3", "--output", "x/top.csv"],
            "'x/top.csv', which is inside the input folder 'x'",
        ),
        (
            ["rank", "x", "--stream", "--scores", "x/all.parquet"],
            "`--scores` must not be the input",
        ),
        (
            ["rank", "x/a.parquet", "--stream", "--top", "2", "--scores", "x/a.parquet"],
            "'x/a.parquet', which is the same file as the input",
        ),
    ],
)
def test_cli_output_over_its_input_is_refused(source, capsys, args, needle):
    """`citymatch rank --output/--scores` naming the candidates file (any spelling or link)
    or a path inside the streamed source folder: exit 2, one line naming both paths, and
    every input byte for byte unchanged."""
    Path("cities.csv").write_bytes(CITIES.read_bytes())
    Path("d").mkdir()
    os.link("cities.csv", "link.csv")
    before = _snapshot(source.parent)
    code = main([*args, "--criteria", "partnership-city"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "must not be the input" in err
    assert _snapshot(source.parent) == before


def test_rank_parquet_refuses_an_output_over_its_criteria_file(tmp_path):
    """The criteria file is read too: an output onto it is refused (second adversarial pass)."""
    import citymatch

    crit = tmp_path / "crit.toml"
    crit.write_text((ROOT / "criteria" / "partnership-city.toml").read_text("utf-8"), "utf-8")
    before = crit.read_bytes()
    frame = citymatch.datasets.load_cities()
    frame.to_parquet(tmp_path / "c.parquet")
    with pytest.raises(OutputPathError):
        scale.rank_parquet(tmp_path / "c.parquet", crit, output=crit)
    assert crit.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["sensitivity", "example", "--criteria", "partnership-city", "--samples", "20",
         "--plot", "{d}/same.png", "--output", "{d}/same.png"],
        ["portfolio", "example", "--frontier", "--plot", "{d}/pf.png", "--output", "{d}/pf.png"],
    ],
)  # fmt: skip
def test_two_outputs_of_one_command_on_one_file_are_refused(tmp_path, capsys, argv):
    """--plot and --output on one path: a usage error (exit 2) before anything is written."""
    code = main([a.format(d=tmp_path) for a in argv])
    assert code == 2
    assert "must be different files" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
