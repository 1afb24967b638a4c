"""citymatch.plot: light to import, a clear error without matplotlib, atomic saves."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from citymatch import plot
from citymatch.errors import CitymatchValueError, MissingDependencyError


@pytest.fixture
def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_importing_plot_does_not_import_matplotlib():
    """``import citymatch.plot`` loads no matplotlib: it is imported when a plot is drawn."""
    code = "import sys, citymatch.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "draw",
    [
        plot.contributions,
        plot.acceptability_heatmap,
        plot.tornado,
        plot.weight_sweep,
        plot.frontier,
    ],
)
def test_missing_matplotlib_names_the_extra(monkeypatch, draw):
    """Without matplotlib every plot raises MissingDependencyError (an ImportError) naming the
    `plot` extra."""
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        MissingDependencyError,
        match=r'plotting needs matplotlib, which is not installed: pip install "citymatch\[plot\]"',
    ) as info:
        draw(None)
    assert isinstance(info.value, ImportError) and info.value.extra == "plot"


def test_save_writes_the_format_of_the_suffix(tmp_path, pyplot):
    """PNG and SVG by suffix; the path written is returned; another suffix is refused, naming
    the argument and the value, and writes nothing."""
    _fig, ax = pyplot.subplots()
    ax.plot([0, 1], [0, 1])
    png = plot.save(ax, tmp_path / "a.png")
    assert png == tmp_path / "a.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot.save(ax, str(tmp_path / "a.svg")).read_text().startswith("<?xml")
    with pytest.raises(
        CitymatchValueError, match=r"`path` must end in .png, .svg or .pdf; got '.*a.gif'"
    ):
        plot.save(ax, tmp_path / "a.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg"]


def test_save_failure_keeps_the_old_file(tmp_path, pyplot, monkeypatch):
    """A figure that fails to render leaves the old file intact and no temporary behind."""
    fig, ax = pyplot.subplots()
    target = tmp_path / "a.png"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="renderer failed"):
        plot.save(ax, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


def test_save_an_axes_on_a_subfigure(tmp_path, pyplot):
    """An Axes drawn on a subfigure saves the whole (top-level) figure."""
    fig = pyplot.figure()
    left, _right = fig.subfigures(1, 2)
    ax = left.subplots()
    ax.plot([0, 1], [0, 1])
    assert plot.save(ax, tmp_path / "sub.png").read_bytes()[:4] == b"\x89PNG"


def test_method_ranks_draws_one_line_per_consensus_leader(pyplot):
    """One line per candidate in the Borda top k, one x position per method plus Borda."""
    import numpy as np

    from citymatch import sensitivity as sa

    x = np.random.default_rng(0).uniform(1, 9, size=(12, 3))
    res = sa.method_agreement(x, [1, 1, 1], [1, -1, 1], methods=["TOPSIS", "VIKOR", "WSM"])
    ax = res.plot()
    assert len(ax.get_lines()) == 10
    assert [t.get_text() for t in ax.get_xticklabels()] == ["TOPSIS", "VIKOR", "WSM", "Borda"]
    leader = res.consensus.sort_values("borda_rank", kind="stable").index[0]
    first = next(line for line in ax.get_lines() if line.get_label() == str(leader))
    np.testing.assert_array_equal(
        first.get_ydata(), res.to_frame().loc[leader, ["TOPSIS", "VIKOR", "WSM", "borda_rank"]]
    )
