"""Regenerate the existing-agreement columns of cities.csv from the agreement register.

The register (``examples/register/``) is the one record of Toronto's agreements.  The
``existing_class``, ``existing_year``, ``existing_status`` and ``existing_active`` columns of
``cities.csv`` are the register joined as of the example's date
(:data:`citymatch.datasets.EXAMPLE_AS_OF`) by :func:`citymatch.agreements.join_register`; no
other column changes.  ``build_cities.py`` calls :func:`join` too (it never writes these
columns itself).  ``tests/agreements/test_facts.py`` checks the shipped file equals this join,
so after editing the register run:

    python examples/data/join_register.py   (needs citymatch importable)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from citymatch.agreements import EXISTING_COLUMNS, join_register, load_register
from citymatch.datasets import EXAMPLE_AS_OF
from citymatch.io import NA_VALUES

HERE = Path(__file__).resolve().parent
#: The existing-agreement columns sit in cities.csv right after this column.
AFTER = "toronto_ethnic_origin_2021"


def join(cities: pd.DataFrame) -> pd.DataFrame:
    """``cities`` with the register's existing-agreement columns as of the example's date.

    The one place the shipped columns come from: ``build_cities.py`` (a fresh build, without
    the columns) and :func:`main` (after a register edit) both call it.
    """
    joined = join_register(cities, load_register(HERE.parent / "register"), as_of=EXAMPLE_AS_OF)
    rest = [c for c in joined.columns if c not in EXISTING_COLUMNS]
    at = rest.index(AFTER) + 1
    return joined[[*rest[:at], *EXISTING_COLUMNS, *rest[at:]]]


def main() -> None:
    cities = pd.read_csv(
        HERE / "cities.csv",
        keep_default_na=False,
        na_values=NA_VALUES,
        dtype={"existing_year": "Int64", "admin1_code": "string"},
    )
    join(cities).to_csv(HERE / "cities.csv", index=False)


if __name__ == "__main__":
    main()
