"""The Toronto case-study notebook: runs top to bottom, shows its figures, checks its claims."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import ROOT

NOTEBOOK = ROOT / "examples" / "toronto_partnerships.ipynb"
EXAMPLES = ROOT / "examples"


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def executed():
    """The notebook executed as Jupyter runs it: in its own folder (``examples/``), with the
    kernel's default environment (no backend forced), and the examples folder before/after."""
    before = _tree(EXAMPLES)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute(env=env)
    return nb, before, _tree(EXAMPLES)


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_notebook_executes_without_error(executed):
    """Every cell runs (each claim's ``assert`` included) with no error output, and the
    notebook shows tables (HTML)."""
    nb, _, _ = executed
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("text/html" in o.get("data", {}) for o in outputs) >= 10


def test_notebook_figures_show_inline(executed):
    """The figures are displayed inline (PNG outputs), so a Jupyter user sees them: the
    notebook never switches matplotlib to a non-interactive backend such as Agg."""
    nb, _, _ = executed
    pngs = [o for o in _outputs(nb) if "image/png" in o.get("data", {})]
    plotting = [c for c in nb.cells if c.cell_type == "code" and "plot" in c.source]
    assert len(pngs) >= 5 and len(plotting) >= 5
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "matplotlib.use(" not in source and "Agg" not in source
    assert nb.cells[1].source.startswith("%matplotlib inline")


def test_notebook_writes_nothing_into_the_examples(executed):
    """Running the notebook (the whole cycle saves drafts and measurements into a register)
    changes no shipped file and leaves no new file in its folder: it writes to a scratch copy."""
    _, before, after = executed
    assert after == before


def test_notebook_checks_the_claims_it_makes(executed):
    """The sections whose text makes a claim assert it right after the computation: the
    2–3-a-year rule fits the Toronto budget at the optimal value, three a year is infeasible,
    the default rule's note on a knapsack-shaped year (with how to switch it off), the
    review and the ranking count the same agreements in force, and streamed = in memory."""
    nb, _, _ = executed
    code = [c for c in nb.cells if c.cell_type == "code"]
    asserting = [c for c in code if re.search(r"^assert ", c.source, re.M)]
    assert len(asserting) >= 15
    for needle in (
        "abs(report_rule.fun - plan.fun)",
        "three.status == pf.PlanStatus.INFEASIBLE",
        '"new_per_year_max": None',
        "default_rule.notes",
        "rv.active == in_force",
        "same == (True, True)",
    ):
        assert any(needle in c.source for c in asserting), needle
    check = next(c for c in code if "streamed.n_excluded ==" in c.source)
    assert check.outputs[-1]["data"]["text/plain"] == "(True, True)"
    # the one-year knapsack: the default rule's note is shown to the reader
    trap = next(c for c in code if "default_rule.notes" in c.source)
    shown = "".join(o.get("text", "") for o in trap.outputs)
    assert "new-projects-a-year rule" in shown and "worth 60 instead of 30" in shown


def test_notebook_walks_the_whole_cycle(executed):
    """Section 10 runs proposals → screening → ranking → plan → drafts → a year of
    measurements → class-aware review under the policy → annual report with the goals,
    each with the library's own function."""
    nb, _, _ = executed
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    steps = [
        "ag.load_proposals(",
        "ag.proposal_table(",
        "citymatch.rank(proposed",
        "ag.draft_agreements(problem, plan)",
        "Measurement(",
        "ag.review(work",
        "rules=ag.class_rules(policy)",
        "ag.annual_report(work, 2027, policy=policy)",
    ]
    positions = [source.index(s) for s in steps]
    assert positions == sorted(positions)
    report = next(c for c in nb.cells if "report_2027 = ag.annual_report" in c.source)
    html = report.outputs[-1]["data"]["text/html"]
    assert "chicago-manufacturing.chicago" in html and "tum-life-sciences.tum" in html


def test_committed_notebook_is_small_and_stripped():
    """The notebook is committed without outputs (the test above executes it), so its diff
    stays readable; the markdown tells how to install and open it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert NOTEBOOK.stat().st_size < 100_000
    assert 'pip install ".[notebook]"' in nb.cells[0].source


def test_no_false_budget_claim_left():
    """The wrong claim that two new projects a year 'does not fit this budget' is gone from
    the notebook and from the portfolio file's comment (the notebook asserts the opposite)."""
    for path in (NOTEBOOK, EXAMPLES / "toronto_portfolio.toml"):
        assert "does not fit this budget" not in path.read_text("utf-8"), path
