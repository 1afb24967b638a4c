"""``citymatch criteria validate`` fails (exit 1) on AHP judgements above the set's CR
threshold and prints the repair (issue 16: a set with CR 0.183 was called "valid")."""

from __future__ import annotations

import re

import numpy as np

from citymatch.cli.main import main

SET = """\
format_version = 1
name = "judged"
title = "Judged"
version = "1"

[[criteria]]
id = "a"
label = "A"
direction = "benefit"

[[criteria]]
id = "b"
label = "B"
direction = "benefit"

[[criteria]]
id = "c"
label = "C"
direction = "cost"

[ahp]
threshold = 0.10

[[ahp.nodes]]
id = "goal"
children = ["a", "b", "c"]
matrix = {matrix}
"""


def _hand_cr(m: np.ndarray) -> float:
    """Saaty's CR by hand: (λmax − n) / (n − 1) / RI, RI(3) = 0.58 (Saaty 1980)."""
    lam = max(np.linalg.eigvals(m).real)
    return (lam - 3) / 2 / 0.58


def _fraction(text: str) -> float:
    num, _, den = text.partition("/")
    return float(num) / float(den) if den else float(text)


def test_inconsistent_set_fails_with_the_repair(tmp_path, capsys):
    """CR above the threshold: exit 1, the node and its CR (equal to a hand computation)
    named, and the suggested revisions — which, applied to the file, make it validate."""
    m = np.array([[1, 4, 1 / 2], [1 / 4, 1, 3], [2, 1 / 3, 1]])
    cr = _hand_cr(m)
    assert cr > 0.10
    path = tmp_path / "judged.toml"
    path.write_text(SET.format(matrix='[[1, 4, "1/2"], ["1/4", 1, 3], [2, "1/3", 1]]'))
    assert main(["criteria", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "criteria set 'judged' v1 is NOT valid: its AHP judgements are not acceptably " in err
    assert f"node 'goal': CR {cr:.3f} > 0.1; the least consistent judgement is" in err
    steps = re.findall(r"set (\w) vs (\w) from \S+ to (\S+) \(CR → ([\d.]+)\)", err)
    assert steps, err
    assert float(steps[-1][3]) <= 0.10
    idx = {"a": 0, "b": 1, "c": 2}
    fixed = m.copy()
    for i, j, to, _ in steps:
        fixed[idx[i], idx[j]] = _fraction(to)
        fixed[idx[j], idx[i]] = 1 / _fraction(to)
    assert _hand_cr(fixed) <= 0.10
    rows = ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in fixed)
    path.write_text(SET.format(matrix=f"[{rows}]"))
    assert main(["criteria", "validate", str(path)]) == 0
    assert "valid criteria set 'judged' v1" in capsys.readouterr().out


def test_consistent_set_and_shipped_sets_validate(capsys):
    """The shipped sets (max CR 0.046 and direct weights) validate with exit 0."""
    for name in ("partnership-city", "friendship-city", "alternative-partner", "project"):
        assert main(["criteria", "validate", name]) == 0
        assert f"{name}: valid criteria set" in capsys.readouterr().out
