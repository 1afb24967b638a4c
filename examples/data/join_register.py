"""Regenerate the existing-agreement columns of cities.csv from the agreement register.

The register (``examples/register/``) is the one record of Toronto's agreements.  The
``existing_class``, ``existing_year``, ``existing_status`` and ``existing_active`` columns of
``cities.csv`` are the register joined as of the example's date
(:data:`citymatch.datasets.EXAMPLE_AS_OF`) by :func:`citymatch.agreements.join_register`; no
other column changes.  ``tests/agreements/test_facts.py`` checks the shipped file equals this
join, so after editing the register run:

    python examples/data/join_register.py   (needs citymatch importable)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from citymatch.agreements import join_register, load_register
from citymatch.datasets import EXAMPLE_AS_OF
from citymatch.io import NA_VALUES

HERE = Path(__file__).resolve().parent


def main() -> None:
    cities = pd.read_csv(
        HERE / "cities.csv",
        keep_default_na=False,
        na_values=NA_VALUES,
        dtype={"existing_year": "Int64", "admin1_code": "string"},
    )
    joined = join_register(cities, load_register(HERE.parent / "register"), as_of=EXAMPLE_AS_OF)
    joined.to_csv(HERE / "cities.csv", index=False)


if __name__ == "__main__":
    main()
