"""Every file citymatch writes goes through the one atomic write and gets the mode a plain
``open()`` would give it: ``0o666 & ~umask`` (the drift of issue 12: XLSX was 0600, CSV 0644)."""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest

from citymatch import agreements as ag
from citymatch.agreements.register import LOCK_FILE
from citymatch.models.agreement import Agreement


@pytest.fixture
def umask(request):
    """Run the test under the umask given by parametrize, then restore the old one."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _write_plot(path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from citymatch import plot

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    try:
        plot.save(ax, path)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("umask", [0o022, 0o077], indirect=True, ids=["umask022", "umask077"])
def test_every_output_gets_the_umask_mode(tmp_path, umask):
    """Register TOML (save), CSV and XLSX exports and a PNG plot all get ``0o666 & ~umask``,
    new or replacing an older file, and leave no temporary file behind."""
    expected = 0o666 & ~umask
    folder = tmp_path / "reg"
    folder.mkdir()
    reg = ag.Register(folder, {})
    a = Agreement.model_validate({"id": "a", "partners": ["x"], "class": "MOU"})
    written = {
        "toml": folder / "a.toml",
        "csv": tmp_path / "out.csv",
        "xlsx": tmp_path / "out.xlsx",
        "png": tmp_path / "plot.png",
    }
    reg.save(a)
    ag.export_table(reg, written["csv"], as_of=date(2026, 1, 1))
    ag.export_table(reg, written["xlsx"], as_of=date(2026, 1, 1))
    _write_plot(written["png"])
    for path in written.values():  # replacing keeps the rule (and never keeps a stale mode)
        path.chmod(0o640)
    reg.save(a.model_copy(update={"owner": "me"}))
    ag.export_table(reg, tmp_path / "out.csv", as_of=date(2026, 1, 1))
    ag.export_table(reg, tmp_path / "out.xlsx", as_of=date(2026, 1, 1))
    _write_plot(tmp_path / "plot.png")
    modes = {kind: stat.S_IMODE(path.stat().st_mode) for kind, path in written.items()}
    assert modes == dict.fromkeys(written, expected), {k: oct(v) for k, v in modes.items()}
    leftovers = [p.name for p in tmp_path.rglob(".*") if p.name != LOCK_FILE]
    assert leftovers == []
