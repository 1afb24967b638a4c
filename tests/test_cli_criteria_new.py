"""``citymatch criteria new NAME`` writes a commented template that is itself a valid set."""

from __future__ import annotations

import re

import pandas as pd

import citymatch
from citymatch.cli.main import main


def test_new_writes_a_valid_commented_template(tmp_path, monkeypatch, capsys):
    """The template validates as written, names the set, explains its keys in comments,
    and ranks a table with Yes/No cells in its yes/no criterion."""
    monkeypatch.chdir(tmp_path)
    assert main(["criteria", "new", "my-set"]) == 0
    path = tmp_path / "my-set.toml"
    text = path.read_text(encoding="utf-8")
    assert 'name = "my-set"' in text
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 30
    assert main(["criteria", "validate", str(path)]) == 0
    assert "valid criteria set 'my-set' v1 (2 criteria; weights direct)" in capsys.readouterr().out
    table = pd.DataFrame(
        {"id": ["a", "b", "c"], "trade_ties": [0.2, 0.9, 0.5], "free_trade": ["Yes", "no", "Y"]}
    )
    ranked = citymatch.rank(table, path)
    assert ranked.matrix.loc[["a", "b", "c"], "free_trade"].tolist() == [1.0, 0.0, 1.0]


def test_the_commented_ahp_block_works_when_switched_on(tmp_path, monkeypatch, capsys):
    """Uncommenting the AHP block and removing the weights gives a valid AHP set (the
    template's instructions are right)."""
    monkeypatch.chdir(tmp_path)
    assert main(["criteria", "new", "judged", "--output", "j.toml"]) == 0
    text = (tmp_path / "j.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^weight = \d+.*\n", "", text)
    text = re.sub(r"(?m)^# (\[ahp\]|\[\[ahp\.nodes\]\]|method|ri |threshold|id = \"goal\"|"
                  r"children|matrix)", r"\1", text)  # fmt: skip
    (tmp_path / "j.toml").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["criteria", "validate", "j.toml"]) == 0
    assert "weights AHP (eigenvector" in capsys.readouterr().out
    cs = citymatch.load_criteria(tmp_path / "j.toml")
    assert cs.weights.tolist() == [2 / 3, 1 / 3]


def test_new_never_replaces_a_file_and_checks_the_name(tmp_path, monkeypatch, capsys):
    """An existing file is never replaced, and a bad NAME or suffix is refused (exit 2)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text("keep", encoding="utf-8")
    assert main(["criteria", "new", "mine"]) == 2
    assert "'mine.toml' already exists; choose another --output (not replaced)." in (
        capsys.readouterr().err
    )
    assert (tmp_path / "mine.toml").read_text(encoding="utf-8") == "keep"
    assert main(["criteria", "new", "1bad"]) == 2
    assert "NAME must start with a letter" in capsys.readouterr().err
    assert main(["criteria", "new", "ok", "--output", "ok.json"]) == 2
    assert "--output must be a .toml file; got 'ok.json'." in capsys.readouterr().err
