"""The progress bar of the long calls (citymatch._progress) and its wiring.

Every bar must announce the right total, reach it, stay silent when off (and by default off a
terminal), and never change a result.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch import _progress
from citymatch import portfolio as pf
from citymatch import sensitivity as sa
from citymatch.cli import main
from citymatch.errors import CitymatchTypeError
from citymatch.sampling import SAMPLE_BLOCK

X = np.array([[5.0, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6], [6, 7, 7]])
W, T = [0.3, 0.4, 0.3], [1, 1, 1]


def last_line(err: str) -> str:
    """The bar as last drawn: the text after the last carriage return."""
    return err.rstrip("\n").split("\r")[-1]


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def one_year_problem() -> dict:
    """Four projects of cost 1 and values 4, 3, 2, 1 in one year with a budget of 2."""
    return {
        "start_year": 2026,
        "years": 1,
        "budget": 2,
        "new_per_year_min": None,
        "new_per_year_max": None,
        "projects": [
            {"id": f"p{i}", "title": f"P{i}", "value": 4 - i, "cost": 1, "duration": 1}
            for i in range(4)
        ],
    }


# --------------------------------------------------------------------------- the bar itself
def test_bar_counts_to_its_total_and_ends_the_line():
    """progress=True draws at once, shows count/total and percent, and ends at 100% and a newline."""
    out = io.StringIO()
    with _progress.progress_bar(5, "work", True, unit="step", stream=out) as bar:
        assert out.getvalue().startswith("\rwork:   0%|")  # drawn at once
        for _ in range(5):
            bar.update(1)
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    assert "5/5 step" in last_line(text) and "100%" in last_line(text)
    assert bar.count == bar.total == 5


def test_bar_off_is_silent_but_counts():
    """progress=False never writes, whatever the stream; the count still advances."""
    out = FakeTerminal()
    with _progress.progress_bar(3, "work", False, stream=out) as bar:
        bar.update(3)
    assert out.getvalue() == ""
    assert bar.count == 3


def test_auto_is_silent_off_a_terminal(monkeypatch):
    """progress=None writes nothing to a stream that is not a terminal (pipes, logs, tests),
    even past the delay."""
    monkeypatch.setattr(_progress, "AUTO_DELAY", 0.0)
    out = io.StringIO()
    with _progress.progress_bar(3, "work", None, stream=out) as bar:
        bar.update(3)
    assert out.getvalue() == ""


def test_auto_on_a_terminal_waits_for_the_delay(monkeypatch):
    """progress=None on a terminal stays silent before AUTO_DELAY and draws once it has passed."""
    quick = FakeTerminal()
    with _progress.progress_bar(3, "work", None, stream=quick) as bar:
        bar.update(3)  # well within the 2 s default
    assert quick.getvalue() == ""
    monkeypatch.setattr(_progress, "AUTO_DELAY", 0.0)
    slow = FakeTerminal()
    with _progress.progress_bar(3, "work", None, stream=slow) as bar:
        bar.update(3)
    assert "3/3" in last_line(slow.getvalue()) and slow.getvalue().endswith("\n")


def test_total_function_is_called_only_when_the_bar_can_show():
    """A total given as a function (e.g. reading Parquet footers) is not evaluated when off."""
    calls = []

    def total() -> int:
        calls.append(1)
        return 4

    assert _progress.progress_bar(total, "w", False, stream=io.StringIO()).total is None
    assert calls == []
    assert _progress.progress_bar(total, "w", True, stream=io.StringIO()).total == 4
    assert calls == [1]


def test_unknown_total_shows_the_count():
    """Without a total the line shows the count and the unit only."""
    out = io.StringIO()
    with _progress.progress_bar(None, "rows", True, unit="rows", stream=out) as bar:
        bar.update(1234)
    assert last_line(out.getvalue()).startswith("rows: 1,234 rows [")


def test_counted_closes_the_bar_when_the_consumer_fails():
    """counted() counts each item after use, and ends the bar's line if the loop dies."""
    out = io.StringIO()
    bar = _progress.progress_bar(4, "w", True, stream=out)

    def consume() -> None:
        for i in _progress.counted(range(4), bar):
            if i == 2:
                raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        consume()
    assert bar.closed and bar.count == 2
    assert out.getvalue().endswith("\n") and "2/4" in last_line(out.getvalue())


@pytest.mark.parametrize("bad", ["yes", 1, 0.5])
def test_progress_must_be_a_bool_or_none(bad):
    """`progress` other than True, False or None is refused, naming the rule and the value."""
    with pytest.raises(
        CitymatchTypeError, match=r"`progress` must be True, False or None; got " + repr(bad)
    ):
        sa.rank_acceptability(X, W, T, samples=10, progress=bad)


# --------------------------------------------------------------------------- the wiring
def test_rank_acceptability_bar_counts_sample_blocks(capsys, monkeypatch):
    """One step per block of SAMPLE_BLOCK samples (2,500 samples: 3 blocks), the same result
    with and without the bar, and no tqdm needed."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    samples = 2 * SAMPLE_BLOCK + 452
    on = sa.rank_acceptability(X, W, T, samples=samples, rng=5, progress=True)
    err = capsys.readouterr().err
    assert last_line(err).startswith("rank acceptability: 100%|")
    assert "3/3 block" in last_line(err)
    off = sa.rank_acceptability(X, W, T, samples=samples, rng=5, progress=False)
    default = sa.rank_acceptability(X, W, T, samples=samples, rng=5)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(on.acceptability, off.acceptability)
    np.testing.assert_array_equal(on.central_weights, default.central_weights)


def test_stability_bar_counts_criteria(capsys):
    """stability_intervals: one step per criterion; the same table with and without."""
    on = sa.stability_intervals(X, W, T, k=2, progress=True)
    assert "3/3 criterion" in last_line(capsys.readouterr().err)
    off = sa.stability_intervals(X, W, T, k=2, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(on.to_frame(), off.to_frame())


def test_frontier_and_marginal_value_bars_count_solves(capsys):
    """efficient_frontier: one step per factor; marginal_value: the base solve plus one per
    year; the tables equal those computed without a bar."""
    prob = one_year_problem()
    on = pf.efficient_frontier(prob, factors=[0.5, 1, 1.5, 2], progress=True)
    assert "4/4 solve" in last_line(capsys.readouterr().err)
    off = pf.efficient_frontier(prob, factors=[0.5, 1, 1.5, 2], progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(on, off)
    assert off["value"].tolist() == [4.0, 7.0, 9.0, 10.0]  # budgets 1..4 buy the best 1..4
    mv = pf.marginal_value(prob, progress=True)
    assert "2/2 solve" in last_line(capsys.readouterr().err)
    pd.testing.assert_frame_equal(mv, pf.marginal_value(prob))


def test_portfolio_acceptability_bar_counts_samples(capsys):
    """portfolio_acceptability: one step (one solve) per weight sample."""
    cs = citymatch.CriteriaSet(
        name="v",
        title="V",
        version="1",
        criteria=[
            {"id": "a", "label": "A", "direction": "benefit", "weight": 0.5},
            {"id": "b", "label": "B", "direction": "benefit", "weight": 0.5},
        ],
    )
    prob = one_year_problem()
    for i, p in enumerate(prob["projects"]):
        del p["value"]
        p["attributes"] = {"a": float(i), "b": float(3 - i) ** 2}
    on = pf.portfolio_acceptability(prob, cs, samples=5, rng=1, progress=True)
    assert "5/5 solve" in last_line(capsys.readouterr().err)
    off = pf.portfolio_acceptability(prob, cs, samples=5, rng=1, progress=False)
    pd.testing.assert_frame_equal(on, off)


def test_rank_parquet_bar_counts_the_rows_of_both_passes(tmp_path, capsys):
    """rank_parquet: the total is 2 × the rows (footers), reached by the two passes."""
    pytest.importorskip("pyarrow")
    cities = citymatch.datasets.load_cities()
    path = tmp_path / "cities.parquet"
    cities.to_parquet(path)
    on = citymatch.scale.rank_parquet(
        path, "partnership-city", top=10, chunk_rows=20, progress=True
    )
    line = last_line(capsys.readouterr().err)
    n = 2 * len(cities)
    assert line.startswith("rank_parquet: 100%|") and f"{n}/{n} rows" in line
    off = citymatch.scale.rank_parquet(path, "partnership-city", top=10, chunk_rows=20)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(on.top, off.top)


def test_topsis_parquet_bar_counts_the_rows_of_both_passes(tmp_path, capsys):
    """topsis_parquet: the same bar as rank_parquet (2 × the rows, both passes); off by
    default (stderr is not a terminal) and the scores do not depend on it."""
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(1, 9, size=(137, 3)), columns=["a", "b", "c"])
    path = tmp_path / "x.parquet"
    frame.to_parquet(path)
    args = (path, [0.5, 0.3, 0.2], [1, -1, 1], ["a", "b", "c"])
    on = citymatch.scale.topsis_parquet(*args, top=5, chunk_rows=20, progress=True)
    line = last_line(capsys.readouterr().err)
    assert line.startswith("topsis_parquet: 100%|") and "274/274 rows" in line
    off = citymatch.scale.topsis_parquet(*args, top=5, chunk_rows=20)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(on.top, off.top)


def test_cli_progress_flags(capsys):
    """`citymatch sensitivity --progress` draws both bars on stderr; `--no-progress` and the
    default (stderr not a terminal) draw none; the printed result is the same."""
    args = ["sensitivity", "example", "--criteria", "partnership-city", "--samples", "1500"]
    assert main([*args, "--progress"]) == 0
    shown = capsys.readouterr()
    assert "rank acceptability: 100%|" in shown.err and "2/2 block" in shown.err
    assert "stability intervals: 100%|" in shown.err
    assert main([*args, "--no-progress"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == shown.out
    assert main(args) == 0
    assert capsys.readouterr().err == ""


def test_cli_portfolio_frontier_and_streamed_rank_progress(tmp_path, capsys):
    """`portfolio --frontier --progress` counts one solve per budget factor (15 by default);
    `rank --stream --progress` counts the rows of both passes."""
    import json

    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(one_year_problem()), encoding="utf-8")
    assert main(["portfolio", str(problem), "--frontier", "--progress"]) == 0
    assert "15/15 solve" in last_line(capsys.readouterr().err)
    pytest.importorskip("pyarrow")
    cities = citymatch.datasets.load_cities()
    path = tmp_path / "cities.parquet"
    cities.to_parquet(path)
    args = ["rank", str(path), "--criteria", "partnership-city", "--stream", "--top", "5"]
    assert main([*args, "--progress"]) == 0
    n = 2 * len(cities)
    shown = capsys.readouterr()
    assert f"{n}/{n} rows" in last_line(shown.err)
    assert main([*args, "--no-progress"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == shown.out
