"""citymatch.io: reading tables, clear errors for missing optional readers."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from citymatch import io
from citymatch.errors import MissingDependencyError


@pytest.mark.parametrize(
    ("suffix", "module", "extra"),
    [(".parquet", "pyarrow", "parquet"), (".xlsx", "openpyxl", "excel")],
)
def test_missing_reader_names_the_extra(tmp_path, monkeypatch, suffix, module, extra):
    """Reading Parquet without pyarrow or XLSX without openpyxl raises MissingDependencyError
    naming the file and the extra to install (not a 'cannot be read' error)."""
    path = tmp_path / f"t{suffix}"
    path.write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(
        MissingDependencyError,
        match=rf"reading '.*t\{suffix}' needs {module}, which is not installed: "
        rf'pip install "citymatch\[{extra}\]"',
    ):
        io.read_table(path)


def test_read_table_keeps_namibia_and_copies_frames(tmp_path):
    """ "NA" in a CSV stays a country code; a DataFrame is copied, never shared."""
    path = tmp_path / "t.csv"
    path.write_text("id,country\na,NA\nb,\n")
    frame = io.read_table(path)
    assert frame["country"].iloc[0] == "NA" and pd.isna(frame["country"].iloc[1])
    given = pd.DataFrame({"x": [1]})
    assert io.read_table(given) is not given
