"""Create mutmut's mutants in ``mutants/`` without running anything (session 5).

The first step of ``mutmut run`` alone: copy the sources and ``also_copy`` files, then write
every file of ``only_mutate`` (``pyproject.toml``'s ``[tool.mutmut]``) with its mutants and the
``.meta`` file naming them (``exit_code_by_key``).  ``mutmut run`` would go on with a stats run
of the whole test selection (~15 min here); ``mapped_runner.py`` collects its own, per module.

    cd <worktree> && mkdir -p mutants/src && nice -n 15 /work/venv/bin/python docs/mutation/generate_mutants.py
"""

from __future__ import annotations

from mutmut.__main__ import create_mutants, set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

if __name__ == "__main__":
    set_mutant_under_test("mutant_generation")
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    print(create_mutants(2))
