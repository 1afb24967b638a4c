"""Build examples/register/: Toronto's agreement register, one TOML file per agreement.

Facts (partner, class, year, status after the 2024 restructuring) come from
sources/toronto_agreements.csv.  Only the year of signing is known, so ``signed`` is 1 January of
that year.  Objectives, KPIs, measurements, spending and the end dates of the two illustrative
terms are ILLUSTRATIVE (``illustrative = true`` in those files), written to exercise the review and
the annual report, not City data.

Run:  python examples/data/build_register.py   (needs citymatch installed)
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd

from citymatch.agreements import Register
from citymatch.models.agreement import (
    KPI,
    Agreement,
    Measurement,
    Milestone,
    Objective,
    Resource,
    Responsibility,
    Spending,
)

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "register"
ID_OF = {
    "Frankfurt": "frankfurt-am-main",
    "Sao Paulo": "sao-paulo",
    "New York City": "new-york-city",
    "Ho Chi Minh City": "ho-chi-minh-city",
    "Rio de Janeiro": "rio-de-janeiro",
    "Panama City": "panama-city",
}
CLASS_OF = {"Partnership City": "Partnership", "International Project": "International Project"}


def slug(name: str) -> str:
    return ID_OF.get(name, name.lower().replace(" ", "-"))


ILLUSTRATIVE = {
    "chicago": dict(
        start=date(2024, 1, 1),
        end=date(2027, 12, 31),
        objectives=(
            Objective(
                id="trade",
                goals=("trade",),
                kind="economic",
                objective="Grow two-way trade in advanced manufacturing",
                activity="Annual joint trade mission and buyer program",
                owner="World Trade Centre Toronto",
                budget=120000,
                staff=0.8,
                end=date(2027, 12, 31),
                kpis=(
                    KPI(
                        metric="businesses reached",
                        unit="firms",
                        baseline=0,
                        target=120,
                        due=date(2027, 12, 31),
                    ),
                    KPI(
                        metric="export deals",
                        unit="deals",
                        baseline=0,
                        target=15,
                        due=date(2027, 12, 31),
                    ),
                ),
                responsibilities=(
                    Responsibility(
                        party="chicago",
                        tasks=("World Business Chicago hosts the buyer program",),
                    ),
                    Responsibility(party="toronto", tasks=("funds the mission",)),
                    Responsibility(
                        party="world-trade-centre-toronto",
                        tasks=("recruits the firms and leads the mission",),
                    ),
                    Responsibility(
                        party="world-business-chicago",
                        tasks=("matches the firms with Chicago buyers",),
                    ),
                ),
                milestones=tuple(
                    Milestone(name=f"trade mission {y}", due=date(y, 6, 30))
                    for y in (2024, 2025, 2026, 2027)
                ),
                reporting=tuple(date(y, 12, 31) for y in (2024, 2025, 2026, 2027)),
                resources=tuple(
                    Resource(year=y, budget=30000, staff=0.8) for y in (2024, 2025, 2026, 2027)
                ),
            ),
        ),
        measurements=(
            Measurement(objective="trade", metric="businesses reached", period=2024, value=40),
            Measurement(objective="trade", metric="businesses reached", period=2025, value=95),
            Measurement(objective="trade", metric="export deals", period=2025, value=11),
        ),
        spending=(Spending(year=2025, planned=120000, spent=112500),),
    ),
    "milan": dict(
        start=date(2023, 1, 1),
        end=date(2026, 12, 31),
        objectives=(
            Objective(
                id="design",
                goals=("investment",),
                kind="economic",
                objective="Attract design and fashion investment",
                activity="Investment forum during Milan Design Week",
                owner="Toronto Global",
                budget=90000,
                staff=0.5,
                end=date(2026, 12, 31),
                kpis=(
                    KPI(
                        metric="investment leads",
                        unit="leads",
                        baseline=0,
                        target=30,
                        due=date(2026, 12, 31),
                    ),
                ),
                responsibilities=(
                    Responsibility(party="milan", tasks=("hosts the forum at Design Week",)),
                    Responsibility(party="toronto", tasks=("funds the forum",)),
                    Responsibility(party="toronto-global", tasks=("brings the investors",)),
                    Responsibility(
                        party="milano-partners",
                        tasks=("invites Milan's design and fashion firms",),
                    ),
                ),
                milestones=tuple(
                    Milestone(name=f"Design Week forum {y}", due=date(y, 4, 30))
                    for y in (2023, 2024, 2025, 2026)
                ),
                reporting=tuple(date(y, 12, 31) for y in (2023, 2024, 2025, 2026)),
                resources=tuple(
                    Resource(year=y, budget=22500, staff=0.5) for y in (2023, 2024, 2025, 2026)
                ),
            ),
        ),
        measurements=(
            Measurement(objective="design", metric="investment leads", period=2025, value=8),
        ),
        spending=(Spending(year=2025, planned=90000, spent=97000),),
    ),
    "frankfurt-am-main": dict(
        objectives=(
            Objective(
                id="fintech",
                goals=("investment",),
                kind="economic",
                objective="Fintech investment corridor",
                activity="Investor roundtables",
                kpis=(KPI(metric="investment leads", unit="leads"),),
            ),
        ),
    ),
    "warsaw": dict(
        objectives=(
            Objective(
                id="culture",
                goals=("community",),
                kind="cultural",
                objective="Polish-Canadian cultural festival",
                activity="Annual festival with community groups",
                owner="Polish community council",
                staff=0.1,
                end=date(2028, 12, 31),
                kpis=(
                    KPI(
                        metric="attendance",
                        unit="people",
                        baseline=2000,
                        target=5000,
                        due=date(2028, 12, 31),
                    ),
                ),
            ),
        ),
    ),
    "matera": dict(
        objectives=(
            Objective(
                id="heritage",
                goals=("community",),
                kind="cultural",
                objective="Heritage and creative exchange",
                activity="Artist residencies",
                owner="City of Toronto",
                budget=20000,
                end=date(2025, 12, 31),
                kpis=(
                    KPI(
                        metric="residencies",
                        unit="artists",
                        baseline=0,
                        target=6,
                        due=date(2025, 12, 31),
                    ),
                ),
            ),
        ),
    ),
    "panama-city": dict(
        objectives=(
            Objective(
                id="logistics",
                goals=("trade",),
                kind="economic",
                objective="Logistics and trade gateway",
                activity="Port and logistics mission",
                owner="World Trade Centre Toronto",
                budget=50000,
                end=date(2027, 12, 31),
                kpis=(
                    KPI(
                        metric="businesses reached",
                        unit="firms",
                        baseline=0,
                        target=40,
                        due=date(2027, 12, 31),
                    ),
                ),
            ),
        ),
    ),
}


def main() -> None:
    rows = pd.read_csv(
        HERE / "sources" / "toronto_agreements.csv", keep_default_na=False, na_values=[""]
    )
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    reg = Register(OUT, {})
    for r in rows.to_dict("records"):
        pid = slug(r["partner_city"])
        extra = ILLUSTRATIVE.get(pid, {})
        status_after = r["status_after_2024"] if isinstance(r["status_after_2024"], str) else ""
        cls = r["class"] if r["class"] != "International Project" else "International Project"
        a = Agreement(
            id=pid,
            partners=(pid,),
            **{"class": cls},
            signed=date(int(r["year"]), 1, 1) if pd.notna(r["year"]) else None,
            status="historical" if status_after == "Historical Agreement" else None,
            owner="City of Toronto, Economic Development and Culture",
            illustrative=bool(extra),
            source=f"sources/toronto_agreements.csv (verified: {r['verified']}); after 2024: {status_after or 'n/a'}"
            + (f"; {r['source_note']}" if isinstance(r["source_note"], str) else ""),
            **extra,
        )
        reg.save(a)
    print(f"wrote {len(reg)} agreements to {OUT}")


if __name__ == "__main__":
    main()
