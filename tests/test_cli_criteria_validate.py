"""``citymatch criteria validate`` fails (exit 1) on AHP judgements above the set's CR
threshold and prints the repair (issue 16: a set with CR 0.183 was called "valid")."""

from __future__ import annotations

import re

import numpy as np

from citymatch.cli.main import main
from helpers import two_criteria_toml

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


BAD_OPTIONS = [
    ('method = "vikor"\nmethod_options = { v = 2.0 }', "`v` must lie in [0, 1]; got 2.0"),
    ('method = "vikor"\nmethod_options = { v = "half" }', "`v` must be a number in [0, 1]"),
    (
        'method = "promethee"\nmethod_options = { preference = "linear", q = 3.0, p = 1.0 }',
        "needs q < p; got q = 3.0, p = 1.0",
    ),
    ('method = "promethee"\nmethod_options = { preference = "linear" }', "which needs `q`"),
    ('method = "promethee"\nmethod_options = { preference = "gauss" }', "got 'gauss'"),
    ('method = "waspas"\nmethod_options = { lam = -0.1 }', "`lam` must lie in [0, 1]"),
    ('method = "wpm"\nmethod_options = { normalization = "minmax" }', "'minmax' cannot be used"),
    ('method = "wsm"\nmethod_options = { normalization = "vector" }', "got 'vector'"),
    ('method = "spotis"\nmethod_options = { bounds = [[0, 1]] }', "must have shape (2, 2)"),
    ('method = "spotis"\nmethod_options = { bounds = [[0, 1], [5, 2]] }', "min < max"),
    (
        'method = "spotis"\nmethod_options = { bounds = [[0, 1], [0, 2]], ideal = [1, 3] }',
        "within `bounds`",
    ),
    ('method = "topsis"\nmethod_options = { normalization = "l3" }', "got 'l3'"),
    ('method = "topsis"\nmethod_options = { ideal = [1, 2, 3] }', "must have 2 elements"),
    (
        'method = "topsis"\nmethod_options = { ideal = { a = 1.0 }, anti_ideal = [5.0, 5.0] }',
        "got ideal 1.0 and anti-ideal 5.0 at criterion 0",
    ),
    (
        'method = "topsis"\nmethod_options = { normalization = "minmax", ideal = [5.0, 1.0], '
        "anti_ideal = { a = 0.0, b = 1.0 } }",
        "must differ on every criterion under min-max",
    ),
    ('method = "topsis"\nmethod_options = { ideal = { c = 1.0 } }', "unknown criteria ['c']"),
]


def test_option_values_are_checked_on_load(tmp_path, capsys):
    """A set whose method options every ranking would refuse fails `criteria validate`
    (exit 1) with the method's own rule and the value — not at the first ranking."""
    path = tmp_path / "direct.toml"
    for method, rule in BAD_OPTIONS:
        path.write_text(two_criteria_toml(method, name="direct"))
        assert main(["criteria", "validate", str(path)]) == 1, method
        err = capsys.readouterr().err
        assert "direct.toml" in err and "method_options" in err and rule in err, (method, err)


def test_good_option_values_load_and_rank(tmp_path, capsys):
    """The same checks pass options the methods accept (they rank a small matrix)."""
    import pandas as pd

    import citymatch as cm
    from citymatch.scoring.registry import method_spec

    path = tmp_path / "direct.toml"
    good = [
        'method = "vikor"\nmethod_options = { v = 1.0 }',
        'method = "promethee"\nmethod_options = { preference = "linear", q = [0.0, 1.0], p = 2.0 }',
        'method = "waspas"\nmethod_options = { lam = 0.0, normalization = "sum" }',
        'method = "wsm"\nmethod_options = { normalization = "minmax" }',
        'method = "spotis"\nmethod_options = { bounds = [[0, 10], [0, 10]], ideal = [9, 1] }',
        'method = "topsis"\nmethod_options = { ideal = { a = 10.0 } }',
    ]
    for method in good:
        path.write_text(two_criteria_toml(method, name="direct"))
        assert main(["criteria", "validate", str(path)]) == 0, (method, capsys.readouterr().err)
        cs = cm.load_criteria(path)
        frame = pd.DataFrame({"id": ["x", "y", "z"], "a": [3.0, 5.0, 1.0], "b": [2.0, 4.0, 1.0]})
        res = cm.rank(frame, cs)
        assert len(res.table) == 3 and res.method == method_spec(cs.method).name
