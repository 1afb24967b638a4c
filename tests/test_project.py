"""Project-level checks: README ↔ CI agreement, the package stands alone, docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re

import pytest

import citymatch
from helpers import ROOT


def quickstart_commands():
    text = (ROOT / "README.md").read_text("utf-8")
    after = text[re.search(r"^#+ .*Quickstart", text, re.M).end() :]
    block = re.search(r"^```[^\n]*\n(.*?)^```", after, re.M | re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_quickstart_has_two_commands_and_ci_runs_the_test_one():
    """The README's Quickstart block holds exactly two commands; .ci/run runs the second verbatim."""
    cmds = quickstart_commands()
    assert len(cmds) == 2
    assert "pytest" in cmds[1] and "citymatch" in cmds[0]
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert cmds[1] in ci


def test_nothing_reads_shared_folder():
    """No project file outside Markdown refers to the workplace's shared folder (a user's
    clone has none): everything the code and tests read is inside the project."""
    needle = "../" + "shared"
    offenders = []
    for folder in ("src", "tests", "criteria", "examples", "benchmarks", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix not in (".md", ".pyc")
                and "__pycache__" not in path.parts
            ):
                if needle in path.read_text("utf-8", errors="ignore"):
                    offenders.append(str(path.relative_to(ROOT)))
    if needle in (ROOT / "pyproject.toml").read_text("utf-8"):
        offenders.append("pyproject.toml")
    assert offenders == []


def test_tests_run_against_installed_package():
    """The suite imports the installed wheel, not src/ (tests run against what users get)."""
    assert "site-packages" in citymatch.__file__


def test_public_api_is_explicit():
    """__all__ lists only names that exist, and the version comes from the package metadata."""
    for name in citymatch.__all__:
        assert hasattr(citymatch, name), name
    assert citymatch.__version__ == "0.1.0"


def _modules():
    for info in pkgutil.walk_packages(citymatch.__path__, "citymatch."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


@pytest.mark.parametrize("module", list(_modules()), ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    """Every Examples section in the docstrings runs and prints what it shows."""
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
