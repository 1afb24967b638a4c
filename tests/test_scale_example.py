"""The README's runnable examples: the scale block (with its synthetic data generator), the
tour's register block, and the install line of the notebook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch.datasets import make_synthetic_candidates
from citymatch.errors import CitymatchTypeError, CitymatchValueError, OutputPathError
from helpers import ROOT

README = (ROOT / "README.md").read_text("utf-8")
SIZE_LINE = re.compile(r"^N = 1_000_000 .*$", re.M)


def readme_block(after: str) -> str:
    """The first fenced code block after the paragraph starting with ``after``."""
    start = README.index(after)
    block = re.search(r"^```python\n(.*?)^```", README[start:], re.M | re.S)
    assert block is not None
    return block.group(1)


def run_python(code: str, cwd, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (the citymatch the suite tests: same environment)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- the generator
def test_synthetic_candidates_shape_and_values(tmp_path):
    """The folder holds n_files Parquet files with n_rows rows in all, unique ids, no missing
    value, every criterion value one the shipped table takes (yes/no stays 0/1), the facts of
    a shipped city, and no current partner."""
    folder = make_synthetic_candidates(tmp_path / "c", 1_001, n_files=3, rng=5)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    sizes = [len(pd.read_parquet(folder / f)) for f in files]
    assert sizes == [334, 334, 333]
    df = pd.read_parquet(folder)
    assert len(df) == 1_001 and df["id"].is_unique and not df.isna().any().any()
    assert df["id"].iloc[0] == "syn000000001" and df["name"].iloc[-1] == "Synthetic city 1001"
    assert (df["kind"] == "city").all() and (df["existing_active"] == 0).all()
    cities = citymatch.datasets.load_cities()
    for name in ("partnership-city", "friendship-city"):
        for col in citymatch.load_criteria(name).columns:
            assert set(df[col]) <= set(cities[col].dropna()), col
    assert set(df["fta_in_force"]) <= {0, 1}
    facts = ["country_iso3", "program_region", "diplomatic_relations", "other_canadian_twin"]
    shipped = set(map(tuple, cities[facts].to_numpy().tolist()))
    assert set(map(tuple, df[facts].to_numpy().tolist())) <= shipped


def test_synthetic_candidates_reproducible_and_rankable(tmp_path):
    """The same seed writes the same table (another seed a different one), and the streamed
    ranking of the folder equals the in-memory ranking of the same rows (screening included:
    the 2005 rules still exclude some synthetic cities)."""
    a = make_synthetic_candidates(tmp_path / "a", 500, n_files=2, rng=1)
    b = make_synthetic_candidates(tmp_path / "b", 500, n_files=2, rng=1)
    c = make_synthetic_candidates(tmp_path / "c", 500, n_files=2, rng=2)
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
    assert not pd.read_parquet(a).equals(pd.read_parquet(c))
    streamed = citymatch.scale.rank_parquet(a, "partnership-city", top=10, chunk_rows=64)
    whole = pd.read_parquet(a)
    in_memory = citymatch.rank(whole, "partnership-city")
    assert streamed.top["id"].tolist() == in_memory.table["id"].head(10).tolist()
    np.testing.assert_allclose(
        streamed.top["score"], in_memory.table["score"].head(10), rtol=0, atol=1e-12
    )
    excluded = (whole["diplomatic_relations"] == 0) | (whole["other_canadian_twin"] == 1)
    assert streamed.n_excluded == len(in_memory.excluded) == int(excluded.sum()) > 0


def test_synthetic_candidates_row_groups_bound_memory(tmp_path, monkeypatch):
    """A file larger than one row group is written group by group and reads back whole."""
    monkeypatch.setattr(citymatch.datasets, "_SYNTHETIC_GROUP", 100)
    folder = make_synthetic_candidates(tmp_path / "g", 450, n_files=1, rng=0)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(folder / "part-00000.parquet").metadata
    assert meta.num_rows == 450 and meta.num_row_groups == 5


def test_synthetic_candidates_refusals(tmp_path):
    """Bad sizes, a file as the folder and a folder that already holds Parquet files are
    refused before anything is written, naming the argument, the rule and the value."""
    with pytest.raises(CitymatchValueError, match=r"`n_rows` must be an integer ≥ 1; got 0"):
        make_synthetic_candidates(tmp_path / "x", 0)
    with pytest.raises(CitymatchTypeError, match=r"`n_rows` must be an integer ≥ 1; got 2.5"):
        make_synthetic_candidates(tmp_path / "x", 2.5)  # type: ignore[arg-type]
    with pytest.raises(CitymatchValueError, match=r"`n_files` must be at most `n_rows` \(3"):
        make_synthetic_candidates(tmp_path / "x", 3, n_files=4)
    assert not (tmp_path / "x").exists()
    (tmp_path / "f").write_text("not a folder")
    with pytest.raises(OutputPathError, match=r"`path` must be a folder; got the file"):
        make_synthetic_candidates(tmp_path / "f", 10)
    make_synthetic_candidates(tmp_path / "d", 10, n_files=1, rng=0)
    before = (tmp_path / "d" / "part-00000.parquet").read_bytes()
    with pytest.raises(OutputPathError, match=r"`path` must be a new or empty folder; .* Parquet"):
        make_synthetic_candidates(tmp_path / "d", 20, rng=1)
    assert (tmp_path / "d" / "part-00000.parquet").read_bytes() == before


# --------------------------------------------------------------------------- the README
def test_readme_scale_block_runs_as_written(tmp_path):
    """Every line of the README's scale block runs as written (only the size line `N = …`
    is made small): synthetic data, rank_parquet with an output, topsis_parquet, a local Dask
    cluster (no scheduler to wait for), topsis_dask, topk and rank_acceptability_dask."""
    block = readme_block("At scale (")
    assert len(SIZE_LINE.findall(block)) == 1
    assert "LocalCluster(" in block and 'Client("tcp://' not in block.replace('# Client("', "")
    small = SIZE_LINE.sub("N = 3_000", block)
    checks = (
        "\nimport pathlib\n"
        "assert pathlib.Path('scores.parquet').is_file()\n"
        "assert len(res.top) == 100 and s.shape == (N,)\n"
        "print('README scale block OK')\n"
    )
    done = run_python(small + checks, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "README scale block OK" in done.stdout
    assert len(list((tmp_path / "candidates").glob("*.parquet"))) == 8


def _examples_tree():
    folder = ROOT / "examples"
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_readme_register_block_leaves_the_shipped_register_alone(tmp_path):
    """The tour's "Running the agreements" block, run from a clone's root, saves into a working
    copy of the register: no shipped file (examples/register/chicago.toml) changes."""
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    block = readme_block("Running the agreements")
    assert "my-register" in block and ".save(" in block
    before = _examples_tree()
    code = (
        "import citymatch\ncities = citymatch.datasets.load_cities()\n"
        + block
        + "\nassert 'owner = \"...\"' in open('my-register/chicago.toml').read()\n"
    )
    done = run_python(code, tmp_path, timeout=120)
    assert _examples_tree() == before  # no shipped file written, no lock file left
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "register.xlsx").is_file() and (tmp_path / "report.html").is_file()


def test_notebook_install_line_and_extra():
    """The README says how to install what the notebook needs and how to open it; the
    `notebook` extra holds every third-party module the notebook imports, the libraries its
    calls need (pyarrow, matplotlib) and a Jupyter front end; the `test` extra (all CI
    installs) holds all of them but the front end, so the notebook test runs in CI."""
    assert 'python -m pip install ".[notebook]"' in README
    assert "jupyter lab examples/toronto_partnerships.ipynb" in README
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]

    def names(reqs):
        return {re.split(r"[<>=\[ ;]", r, maxsplit=1)[0].lower() for r in reqs}

    notebook, test = names(extras["notebook"]), names(extras["test"])
    import nbformat

    nb = nbformat.read(ROOT / "examples" / "toronto_partnerships.ipynb", as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    imported = set(re.findall(r"^\s*(?:from|import) ([a-zA-Z_]\w*)", source, re.M))
    third_party = imported - set(sys.stdlib_module_names) - {"citymatch"}
    assert third_party <= {"pandas", "numpy"} | notebook  # pandas, numpy: core dependencies
    assert {"pyarrow", "matplotlib", "ipykernel", "jupyterlab"} <= notebook
    assert notebook - {"jupyterlab"} <= test
    assert {"nbclient", "nbformat"} <= test


def test_dask_reads_a_multi_file_folder(tmp_path):
    """topsis_dask on a Parquet folder of several small files (which dask fuses into fewer
    partitions) gives the in-memory TOPSIS scores of the same rows, in order."""
    folder = make_synthetic_candidates(tmp_path / "c", 2_000, n_files=8, rng=3)
    cs = citymatch.load_criteria("partnership-city")
    cols = list(cs.columns)
    scores = citymatch.scale.topsis_dask(folder, cs.weights, cs.types, columns=cols)
    got = np.asarray(scores.compute(scheduler="sync"))
    want = citymatch.topsis(pd.read_parquet(folder, columns=cols).to_numpy(), cs.weights, cs.types)
    np.testing.assert_allclose(got, want.scores, rtol=0, atol=1e-12)
