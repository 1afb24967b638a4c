"""Result objects: plots, reprs, read-only arrays, and the package's public names."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from citymatch import sensitivity as sa


def test_plots_and_reprs(ranking, tmp_path):
    """The three plots draw; results have compact reprs and HTML reprs."""
    import matplotlib

    matplotlib.use("Agg")
    from citymatch.plot import save

    acc = sa.rank_acceptability(ranking, samples=500, rng=0)
    stab = sa.stability_intervals(ranking)
    sw = sa.weight_sweep(ranking, "trade_ties", points=21)
    for obj in (acc, stab, sw):
        ax = obj.plot()
        assert ax.figure is not None
        assert type(obj).__name__ in repr(obj)
        assert "<table" in obj._repr_html_()
    save(acc.plot(), str(tmp_path / "heat.svg"))
    assert (tmp_path / "heat.svg").read_text().startswith("<?xml")
    with pytest.raises(citymatch.CitymatchError, match=r"must end in .png, .svg or .pdf"):
        save(acc.plot(), str(tmp_path / "heat.gif"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heat.svg"]
    import matplotlib.pyplot as plt

    plt.close("all")


def test_sweep_arrays_are_read_only_and_independent_of_the_input():
    """A sweep result owns read-only arrays; changing the caller's matrix afterwards changes
    nothing in the result."""
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 0.5]])
    sw = sa.weight_sweep(x, 0, [0.5, 0.5], [1, 1], points=5)
    before = sw.scores.copy()
    x[:] = 0.0
    np.testing.assert_array_equal(sw.scores, before)
    for arr in (sw.weights, sw.weight_vectors, sw.scores, sw.ranks):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0


def test_public_names():
    """Every documented name is importable from citymatch.sensitivity, including the
    re-exported sampler."""
    from citymatch.sampling import sample_weights

    assert sa.sample_weights is sample_weights
    for name in sa.__all__:
        assert hasattr(sa, name), name
    assert {
        "rank_acceptability",
        "stability_intervals",
        "weight_sweep",
        "ahp_weight_samples",
        "ahp_repair",
        "what_it_takes",
        "missing_rank_bounds",
        "method_agreement",
        "rank_reversal",
    } <= set(sa.__all__)
