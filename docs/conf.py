"""Sphinx configuration of the citymatch documentation site.

Build (warnings are errors, as in CI):

    python -m pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Pages are Markdown (MyST) and reStructuredText; the API reference is generated from the
numpydoc docstrings (autosummary), the CLI reference from the argparse parser
(sphinx-argparse), and the Toronto notebook is rendered as stored, never executed (myst-nb).
Generated inputs go to ``docs/generated/`` (git-ignored) before the build reads any page:
the criteria template written by ``citymatch criteria new``, a copy of the notebook (the
one source stays in ``examples/``) and the service's limits table.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"
try:  # the installed package (CI installs it first: what users get) ...
    import citymatch
except ImportError:  # ... or, in a clone without an install, the sources
    sys.path.insert(0, str(ROOT / "src"))
    import citymatch

project = "citymatch"
author = "citymatch developers"
copyright = "citymatch developers (MIT licence)"  # noqa: A001
release = version = citymatch.__version__

extensions = [
    "myst_nb",  # Markdown pages (MyST) and notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinxarg.ext",
    "sphinx.ext.mathjax",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "mutation", "generated/*.toml", "generated/*.md", "Thumbs.db", ".DS_Store"]
suppress_warnings = ["myst.header"]  # the reused pages start at heading level 1 or 2

# Notebooks are rendered with their stored outputs, never executed here (the tests run them).
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc sections state the types
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"citymatch {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "collapse_navigation": True,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path: list[str] = []


def _generate() -> None:
    """Write the generated inputs: the criteria template, the notebook copy, the limits table."""
    from citymatch.cli import main
    from citymatch.service.limits import LIMITS, ServiceSettings

    GENERATED.mkdir(exist_ok=True)
    shutil.rmtree(DOCS / "api" / "generated", ignore_errors=True)  # autosummary's stubs, fresh
    template = GENERATED / "my-set.toml"
    template.unlink(missing_ok=True)  # `criteria new` never writes over a file
    if main(["criteria", "new", "my-set", "--output", str(template)]) != 0:
        raise RuntimeError("`citymatch criteria new my-set` failed while building the docs")
    shutil.copyfile(
        ROOT / "examples" / "toronto_partnerships.ipynb", GENERATED / "toronto_partnerships.ipynb"
    )
    defaults = ServiceSettings()
    rows = ["| limit | bound (default) | applies to | why it bounds memory or time |", "|---|---|---|---|"]
    for lim in LIMITS:
        bound = getattr(defaults, lim.setting)
        rule = lim.text(bound, grouped=True)
        ops = ", ".join(sorted(lim.operations))
        rows.append(f"| `{lim.setting}` | {rule} | {ops} | {lim.reason} |")
    (GENERATED / "limits.md").write_text("\n".join(rows) + "\n", encoding="utf-8")


_generate()


def _constant_comments() -> dict[str, list[str]]:
    """Every ``#:`` comment of a module-level name in citymatch's sources, by name.

    A constant is documented where it is re-exported (``citymatch.scale.EXCLUDED_SAMPLE``),
    but its comment sits where it is defined; without this autodoc would show the docstring
    of the value's type (``int``, ``numpy.ndarray``) instead.
    """
    from sphinx.pycode import ModuleAnalyzer

    src = ROOT / "src"
    found: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for path in sorted((src / "citymatch").rglob("*.py")):
        modname = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for (namespace, name), lines in ModuleAnalyzer.for_file(str(path), modname).find_attr_docs().items():
            (found if namespace == "" else members).setdefault(name, list(lines))
    return {**members, **found}  # a module-level comment wins over a class member's


_COMMENTS = _constant_comments()


def _data_docstring(app, what, name, obj, options, lines) -> None:  # noqa: ANN001
    """A constant's docstring is its ``#:`` comment, never its type's docstring."""
    if what == "data":
        lines[:] = _COMMENTS.get(name.rsplit(".", 1)[-1], [])


def setup(app) -> None:  # noqa: ANN001
    app.connect("autodoc-process-docstring", _data_docstring)
