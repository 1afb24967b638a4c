"""The documentation site's sources (docs/) cover the public API and the CLI.

These read the sources, not the build (CI builds the site with warnings as errors); they fail
fast when a public name or a command is added without its page.
"""

from __future__ import annotations

import importlib
import re
import tomllib

import pytest

import citymatch
from citymatch.cli.main import build_parser
from helpers import ROOT

DOCS = ROOT / "docs"
API = DOCS / "api"
#: The subpackages users import, each with its API page (docs/api/<name>.rst).
SUBPACKAGES = (
    "scoring",
    "sensitivity",
    "portfolio",
    "agreements",
    "io",
    "service",
    "scale",
    "datasets",
)


def autosummary_entries(page: str) -> set[str]:
    """The names listed under the autosummary directives of an API page."""
    names: set[str] = set()
    for block in re.findall(r"\.\. autosummary::\n((?:[ \t]+.*\n|\n)+)", page):
        for line in block.splitlines():
            item = line.strip()
            if item and not item.startswith(":"):
                names.add(item)
    return names


def test_every_public_name_of_citymatch_has_its_api_entry():
    """Every name in citymatch.__all__ is an autosummary entry of docs/api/citymatch.rst,
    or a subpackage with its own API page (or the version, named in the page's text)."""
    page = (API / "citymatch.rst").read_text("utf-8")
    entries = autosummary_entries(page)
    missing = [
        name
        for name in citymatch.__all__
        if name not in entries
        and not (API / f"{name}.rst").exists()
        and not (name == "__version__" and "__version__" in page)
    ]
    assert missing == []


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_every_public_name_of_a_subpackage_is_on_its_page(name):
    """Every name in citymatch.<sub>.__all__ is on its API page: an autosummary entry, or named
    where the page says it is documented once elsewhere."""
    module = importlib.import_module(f"citymatch.{name}")
    page = (API / f"{name}.rst").read_text("utf-8")
    entries = autosummary_entries(page)
    missing = [n for n in module.__all__ if n not in entries and f"``{n}``" not in page]
    assert missing == []
    assert name in (API / "index.md").read_text("utf-8")  # and the page is in the toctree


def test_cli_page_is_generated_from_the_parser_of_every_command():
    """docs/cli.md renders the parser main() uses (sphinx-argparse over build_parser), and
    every subcommand has the help text the page shows."""
    page = (DOCS / "cli.md").read_text("utf-8")
    assert re.search(r"```\{argparse\}\n:module: citymatch\.cli\.main\n:func: build_parser\n", page)
    sub = next(a for a in build_parser()._actions if a.choices and a.dest == "command")
    commands = set(sub.choices)
    assert {"rank", "sensitivity", "portfolio", "criteria", "serve", "demo"} <= commands
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert {c for c in commands if not helps.get(c)} == set()


def test_pages_reuse_sources_instead_of_copies():
    """The quickstart includes the README's own Quickstart and tour (its markers exist), the
    criteria page shows the template `citymatch criteria new` writes, and the notebook page
    is the one notebook in examples/ (copied by conf.py at build time)."""
    readme = (ROOT / "README.md").read_text("utf-8")
    quick = (DOCS / "quickstart.md").read_text("utf-8")
    start = re.search(r':start-after: "(.*)"', quick).group(1)
    end = re.search(r':end-before: "(.*)"', quick).group(1)
    assert readme.count(start) == 1 and readme.count(end) == 1
    assert readme.index(start) < readme.index(end)
    conf = (DOCS / "conf.py").read_text("utf-8")
    assert '"criteria", "new", "my-set"' in conf
    assert "generated/my-set.toml" in (DOCS / "criteria-format.md").read_text("utf-8")
    assert 'ROOT / "examples" / "toronto_partnerships.ipynb"' in conf
    assert 'nb_execution_mode = "off"' in conf
    index = (DOCS / "index.md").read_text("utf-8")
    for page in ("architecture", "methods", "arguments", "glossary", "conventions", "scale"):
        assert re.search(rf"^{page}$", index, re.M), page


def test_glossary_names_every_ranking_column():
    """Every column of a Ranking's table is a glossary term (contributions as one term)."""
    ranking = citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")
    glossary = (DOCS / "glossary.md").read_text("utf-8")
    terms = set(re.findall(r"^(\S[^\n]*)$", glossary, re.M))
    columns = {c if not c.startswith("contrib_") else "contrib_CRITERION" for c in ranking.table}
    assert columns - terms == set()


def test_ci_builds_the_docs_with_warnings_as_errors_before_the_tests():
    """.ci/run installs the docs extra and builds with -W before the README test command."""
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    build = ci.index("python -m sphinx -W --keep-going -b html docs docs/_build/html")
    assert ci.index('python -m pip install -q ".[docs]"') < build
    tests = next(i for i, line in enumerate(ci) if "pytest" in line and "pip install" in line)
    assert build < tests
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    assert {re.split(r"[<>=]", d)[0] for d in extras["docs"]} >= {
        "sphinx",
        "pydata-sphinx-theme",
        "numpydoc",
        "myst-nb",
        "sphinx-argparse",
    }


def test_every_limit_rule_reads_with_its_default_bound():
    """The docs' limits table (docs/conf.py) and the 422 messages format each rule the same
    way (``Limit.text``): every placeholder a rule uses is filled, grouped or not."""
    from citymatch.service.limits import LIMITS, ServiceSettings

    defaults = ServiceSettings()
    for lim in LIMITS:
        bound = getattr(defaults, lim.setting)
        for grouped in (False, True):
            text = lim.text(bound, grouped=grouped)
            assert "{" not in text and str(bound if not grouped else f"{bound:,}") in text
