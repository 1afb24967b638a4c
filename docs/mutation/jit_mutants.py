"""Source-level mutants of the compiled bodies in ``_jitpass.py``, one at a time (session 11).

mutmut cannot mutate these functions (its trampoline is Python that numba cannot compile), so
this script makes its own mutants: it parses ``src/citymatch/scoring/_jitpass.py`` and, in the
functions named below and the module constants ``V``/``AHEAD``, lists every

* ``cmp``: comparison flip (``>``↔``>=``, ``<``↔``<=``, ``>``↔``<``, ``==``→``!=``),
* ``arith``: ``+``↔``-``, ``*``↔``/`` (binary operators; ``//`` and ``%`` are left alone),
* ``aug``: ``+=`` → ``-=`` and ``+=`` → ``=``,
* ``const``: an integer or float constant off by one (``n`` → ``n + 1``; ``0.0`` → ``1.0``),
  ``np.inf`` ↔ ``-np.inf``,
* ``select``: the two arms of a conditional expression swapped (``a if c else b`` → ``b if c else a``),
* ``drop``: a one-line statement (assignment, augmented assignment, call) replaced by ``pass``,

each written as a text edit of the original source (only the operator token or the node's own
text changes, so formatting and the other functions are untouched).  ``list`` prints them;
``run`` applies each one to a copy of ``src/`` (``--copy``, default ``/tmp/jitmut/src``),
points ``NUMBA_CACHE_DIR`` at a fresh temporary folder (so numba's on-disk cache cannot serve
the unmutated kernel) and runs, in a child process, the tests that reach the mutated kernel
(``--map``: a JSON map test id → compiled kernel names, made by the ``kmap`` plugin below),
``-x``, hypothesis derandomised without deadline or shrinking.  A mutant that numba refuses to
compile fails its first test, so it counts as killed (``killed-compile`` when the output names
a typing/lowering error).

    cd <worktree> && nice -n 19 /work/venv/bin/python docs/mutation/jit_mutants.py list > all.txt
    nice -n 19 /work/venv/bin/python docs/mutation/jit_mutants.py run IDS_FILE --map kmap.json

IDS_FILE: mutant ids (``list``'s first column), one a line; results are appended to
``IDS_FILE.results`` as ``id status seconds`` (``killed``, ``killed-compile``, ``survived``,
``timeout`` after ``LIMIT_S``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET = "citymatch/scoring/_jitpass.py"
#: The compiled bodies mutated, and the kernel name :mod:`._jit` gives each.
FUNCTIONS = {
    "extremes_py": ["extremes"],
    "within_rows_py": ["within_rows"],
    "split_rows_py": ["split_rows"],
    "copras_q_py": ["copras_q"],
}
#: Module constants and the kernels that read them.
CONSTANTS = {"V": ["within_rows", "split_rows"], "AHEAD": ["within_rows", "split_rows"]}
LIMIT_S = 150
#: ``--module jitrank``: the functions of ``_jitrank.py`` added by 8eca5dc (all inside the
#: ``topsis_top`` kernel: the helpers are compiled separately and called from it).
JITRANK = {
    name: ["topsis_top"]
    for name in (
        "score_row32", "score_one", "filter_ok", "group_maxima", "count_at_least", "short_top",
        "topsis_top_py",
    )
}  # fmt: skip
#: ``--module jitrows`` (session 12): the row kernels of ``_jitrows.py`` changed by f4bf794,
#: 216e5df and 5e2ec81.  The helpers are compiled separately by :mod:`._jit` and called from
#: the kernels, so a helper's mutant is reached through the kernels that call it.
#: ``prefetch_run`` is not listed: its whole body is a prefetch hint (and its call in
#: ``affine_rows_py`` is left out with the other hint lines, :func:`_prefetch_only`).
JITROWS = {
    "log_rows_py": ["log_rows"],
    "affine_rows_py": ["affine_rows"],
    "row_sums": ["log_rows", "affine_rows"],
    "row_maxima": ["affine_rows"],
    "fold_extremes": ["log_rows"],
    "log_cols_py": ["log_cols"],
}
#: ``--module jitrows``'s constants (``EXT``: the slots of ``log_rows_py``'s running extremes;
#: ``AHEAD`` is a prefetch distance, left out as for ``_jitpass``).
JITROWS_CONSTANTS = {"EXT": ["log_rows"]}

_CMP = {
    ast.Gt: [">=", "<"],
    ast.GtE: [">"],
    ast.Lt: ["<=", ">"],
    ast.LtE: ["<"],
    ast.Eq: ["!="],
    ast.NotEq: ["=="],
}
_CMP_TXT = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
_BIN = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*")}


@dataclass
class Mutant:
    """One text edit of the source: ``old`` at ``start:end`` becomes ``new``."""

    ident: str
    where: str  # function (or constant) name
    op: str
    line: int
    start: int  # absolute offsets in the source text
    end: int
    new: str
    old: str

    def apply(self, src: str) -> str:
        """The source with this mutation applied."""
        assert src[self.start : self.end] == self.old
        return src[: self.start] + self.new + src[self.end :]


def _offsets(src: str) -> list[int]:
    starts, pos = [], 0
    for line in src.splitlines(keepends=True):
        starts.append(pos)
        pos += len(line)
    return starts


def mutants(src: str) -> list[Mutant]:
    """Every mutant of the listed functions and constants, in source order, numbered per function."""
    tree = ast.parse(src)
    starts = _offsets(src)

    def off(line: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets
        text = src[starts[line - 1] :]
        return starts[line - 1] + len(text.encode()[:col].decode())

    def seg(node: ast.AST) -> tuple[int, int]:
        return off(node.lineno, node.col_offset), off(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    out: list[Mutant] = []

    def add(where: str, op: str, line: int, a: int, b: int, new: str) -> None:
        out.append(Mutant("", where, op, line, a, b, new, src[a:b]))

    def token(
        where: str, op: str, node: ast.AST, left: ast.AST, right: ast.AST, old: str, new: str
    ) -> None:
        a, b = seg(left)[1], seg(right)[0]
        gap = src[a:b]
        i = gap.find(old)
        assert i >= 0, (gap, old)
        add(where, op, node.lineno, a + i, a + i + len(old), new)

    def walk(where: str, body: ast.AST) -> None:
        for node in ast.walk(body):
            if isinstance(node, ast.Compare) and len(node.ops) == 1:
                t = type(node.ops[0])
                for new in _CMP.get(t, []):
                    token(where, "cmp", node, node.left, node.comparators[0], _CMP_TXT[t], new)
            elif isinstance(node, ast.BinOp) and type(node.op) in _BIN:
                old, new = _BIN[type(node.op)]
                token(where, "arith", node, node.left, node.right, old, new)
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
                token(where, "aug", node, node.target, node.value, "+=", "-=")
                token(where, "aug", node, node.target, node.value, "+=", "=")
            elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
                a, b = seg(node)
                v = node.value
                add(
                    where,
                    "const",
                    node.lineno,
                    a,
                    b,
                    repr(v + 1) if v != 0.0 or isinstance(v, int) else "1.0",
                )
            elif (
                isinstance(node, ast.Attribute)
                and node.attr == "inf"
                and isinstance(node.value, ast.Name)
                and node.value.id == "np"
            ):
                a, b = seg(node)
                parent_neg = src[a - 1 : a] == "-"
                if parent_neg:
                    add(where, "const", node.lineno, a - 1, b, "np.inf")
                else:
                    add(where, "const", node.lineno, a, b, "-np.inf")
            elif isinstance(node, ast.IfExp):
                (a1, b1), (a2, b2) = seg(node.body), seg(node.orelse)
                t1, t2 = src[a1:b1], src[a2:b2]
                a, b = a1, b2
                add(where, "select", node.lineno, a, b, t2 + src[b1:a2] + t1)
            if (
                isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr))
                and node.lineno == node.end_lineno
            ):
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                    continue  # docstring
                a, b = seg(node)
                ls = starts[node.lineno - 1]
                rest = src[b : src.find("\n", b)].strip()
                if src[ls:a].strip() == "" and (rest == "" or rest.startswith("#")):
                    add(where, "drop", node.lineno, a, b, "pass")

    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in FUNCTIONS:
            for stmt in node.body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    continue
                walk(node.name, stmt)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            tgt = node.targets[0]
            if (
                isinstance(tgt, ast.Name)
                and tgt.id in CONSTANTS
                and isinstance(node.value, ast.Constant)
            ):
                a, b = seg(node.value)
                add(tgt.id, "const", node.lineno, a, b, repr(node.value.value + 1))
    # ast.walk visits a node's children after it; keep source order, number per function
    out.sort(key=lambda m: (m.start, m.end, m.op, m.new))
    seen: dict[str, int] = {}
    for m in out:
        seen[m.where] = seen.get(m.where, 0) + 1
        m.ident = f"{m.where}:{seen[m.where]}"
    return out


# --- the child: pytest with a mutation profile --------------------------------------------


class _Profile:
    def pytest_configure(self, config: object) -> None:
        from hypothesis import Phase, settings

        settings.register_profile(
            "mutation",
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        )
        settings.load_profile("mutation")


def _child(tests: list[str]) -> int:
    import pytest

    os.environ.pop("CI", None)
    return int(
        pytest.main(
            ["-q", "-x", "-p", "no:cacheprovider", "--no-header", "--tb=line", *tests],
            plugins=[_Profile()],
        )
    )


# --- the parent ---------------------------------------------------------------------------


def _tests_for(where: str, kmap: dict[str, list[str]]) -> list[str]:
    kernels = set(FUNCTIONS.get(where) or CONSTANTS[where])
    ids = [t for t, ks in kmap.items() if kernels & set(ks)]
    # the session-10 file first (its tests aim at these kernels), then the others
    return sorted(ids, key=lambda t: (not t.startswith("tests/scoring/test_kern_s10.py"), t))


def run(ids_file: str, kmap_file: str, copy: str, only: list[str] | None = None) -> int:
    """Run each listed mutant (after an unmutated baseline) in a fresh child and numba cache.

    ``only``: run these tests for every mutant instead of those the map gives.
    """
    with open(os.path.join(ROOT, "src", TARGET)) as f:
        src = f.read()
    by_id = {m.ident: m for m in mutants(src)}
    with open(kmap_file) as f:
        kmap = json.load(f)
    with open(ids_file) as f:
        ids = [line.split()[0] for line in f if line.strip()]
    done_file = ids_file + ".results"
    done = set()
    if os.path.exists(done_file):
        with open(done_file) as f:
            done = {line.split()[0] for line in f if line.strip()}
    if os.path.exists(copy):
        shutil.rmtree(copy)
    shutil.copytree(os.path.join(ROOT, "src"), copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = os.path.join(copy, TARGET)
    env = dict(os.environ, PYTHONPATH=copy, PYTHONDONTWRITEBYTECODE="1")
    env.pop("CI", None)
    with open(done_file, "a") as out:
        for ident in ["baseline", *ids]:
            if ident in done:
                continue
            m = by_id.get(ident)
            text = src if m is None else m.apply(src)
            where = "within_rows_py" if m is None else m.where
            with open(target, "w") as f:
                f.write(text)
            tests = (
                only or _tests_for(where, kmap)
                if m is not None
                else only
                or sorted(
                    {t for w in FUNCTIONS for t in _tests_for(w, kmap)},
                    key=lambda t: (not t.startswith("tests/scoring/test_kern_s10.py"), t),
                )
            )
            cache = tempfile.mkdtemp(prefix="numba-mut-")
            start = time.monotonic()
            try:
                proc = subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "child", *tests],
                    cwd=ROOT, env=dict(env, NUMBA_CACHE_DIR=cache),
                    capture_output=True, text=True, timeout=LIMIT_S,
                )  # fmt: skip
                if proc.returncode == 0:
                    status = "survived"
                elif any(
                    e in proc.stdout
                    for e in (
                        "TypingError",
                        "LoweringError",
                        "NumbaError",
                        "NameError",
                        "UnsupportedError",
                    )
                ):
                    status = "killed-compile"
                else:
                    status = "killed"
            except subprocess.TimeoutExpired:
                status = "timeout"
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            took = time.monotonic() - start
            if ident == "baseline" and status != "survived":
                print("baseline failed", file=sys.stderr)
                return 1
            out.write(f"{ident} {status} {took:.1f}\n")
            out.flush()
    with open(target, "w") as f:
        f.write(src)
    return 0


# --- the selection run in session 11 ------------------------------------------------------


def _prefetch_only(m: Mutant, lines: list[str]) -> bool:
    """On a line that only computes a prefetch hint (a hint never changes a value)."""
    text = lines[m.line - 1]
    return m.where == "AHEAD" or any(
        k in text for k in ("prefetch(", "prefetch_run(", "ahead =", "range(0, 4 * m, 8)")
    )


def _first_definition(m: Mutant, src: str) -> bool:
    """A ``drop`` of a variable's first assignment in its function (numba cannot type the rest)."""
    if m.op != "drop" or "+=" in m.old or "=" not in m.old:
        return False
    target = m.old.split("=")[0]
    if "[" in target:
        return False
    names = [n.strip() for n in target.split(",")]
    fn = next(
        n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == m.where
    )
    defined = {
        t.id for t in ast.walk(fn)
        if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store) and t.lineno < m.line
    }  # fmt: skip
    return not all(n in defined for n in names)


def select(src: str, per_function: int, seed: int, only: list[str] | None = None) -> list[Mutant]:
    """The mutants run in session 11 (and, with ``--module jitrows`` / ``--only``, 12).

    Every ``copras_q_py`` and constant mutant; ``per_function`` of each other body's mutants,
    drawn per operator in proportion (``random.Random(seed)``); prefetch-hint lines and
    first-definition drops left out (see the report).  ``only``: these bodies (or constants)
    alone.
    """
    lines = src.splitlines()
    pool = [
        m for m in mutants(src) if not _prefetch_only(m, lines) and not _first_definition(m, src)
    ]
    rnd = random.Random(seed)
    chosen: list[Mutant] = []
    for where in [*CONSTANTS, *FUNCTIONS]:
        if only and where not in only:
            continue
        mine = [m for m in pool if m.where == where]
        if len(mine) <= per_function or where == "copras_q_py":
            chosen += mine
            continue
        by_op: dict[str, list[Mutant]] = {}
        for m in mine:
            by_op.setdefault(m.op, []).append(m)
        for _op, ms in sorted(by_op.items()):
            take = max(1, round(per_function * len(ms) / len(mine)))
            chosen += sorted(rnd.sample(ms, min(take, len(ms))), key=lambda m: m.start)
    return chosen


def main() -> int:
    """``list``, ``select``, ``run`` or ``child`` (see the module docstring)."""
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list")
    r = sub.add_parser("run")
    r.add_argument("ids_file")
    r.add_argument("--map", required=True)
    r.add_argument("--copy", default="/tmp/jitmut/src")
    r.add_argument("--tests", nargs="*", help="these tests for every mutant (not the map's)")
    sl = sub.add_parser("select")
    sl.add_argument("--per-function", type=int, default=60)
    sl.add_argument("--seed", type=int, default=11)
    sl.add_argument("--only", nargs="*", help="these bodies (or constants) alone")
    for p in (r, sl, ls):
        p.add_argument("--module", choices=["jitpass", "jitrank", "jitrows"], default="jitpass")
    c = sub.add_parser("child")
    c.add_argument("tests", nargs="*")
    a = ap.parse_args()
    global TARGET
    if getattr(a, "module", "jitpass") == "jitrank":
        TARGET = "citymatch/scoring/_jitrank.py"
        FUNCTIONS.clear()
        FUNCTIONS.update(JITRANK)
        CONSTANTS.clear()
    elif getattr(a, "module", "jitpass") == "jitrows":
        TARGET = "citymatch/scoring/_jitrows.py"
        FUNCTIONS.clear()
        FUNCTIONS.update(JITROWS)
        CONSTANTS.clear()
        CONSTANTS.update(JITROWS_CONSTANTS)
    if a.cmd == "child":
        return _child(a.tests)
    if a.cmd == "run":
        return run(a.ids_file, a.map, a.copy, a.tests)
    with open(os.path.join(ROOT, "src", TARGET)) as f:
        src = f.read()
    for m in mutants(src) if a.cmd == "list" else select(src, a.per_function, a.seed, a.only):
        old = m.old if "\n" not in m.old else m.old.split("\n")[0] + "…"
        print(f"{m.ident}\t{m.op}\tline {m.line}\t{old!r} -> {m.new!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
