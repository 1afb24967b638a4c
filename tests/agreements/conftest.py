"""Factories shared by the agreement tests: SMART objectives, agreements, small registers."""

from __future__ import annotations

from datetime import date

import pytest

from citymatch import agreements as ag
from citymatch.models.agreement import (
    KPI,
    Agreement,
    Milestone,
    Objective,
    Resource,
    Responsibility,
)
from helpers import ROOT

#: The shipped Toronto register (18 agreements).
REGISTER = ROOT / "examples" / "register"


def _smart_objective(**kw: object) -> Objective:
    base: dict[str, object] = dict(
        id="o",
        objective="Grow trade",
        activity="Trade mission",
        kind="economic",
        owner="WTC-T",
        budget=1000.0,
        end=date(2027, 12, 31),
        kpis=(KPI(metric="firms", unit="firms", baseline=0, target=10, due=date(2027, 12, 31)),),
        responsibilities=(
            Responsibility(party="x", tasks=("host the mission",)),
            Responsibility(party="toronto", tasks=("recruit firms",)),
        ),
        milestones=(Milestone(name="first mission", due=date(2025, 6, 1)),),
        reporting=(date(2025, 12, 31), date(2026, 12, 31), date(2027, 12, 31)),
        resources=(Resource(year=2025, budget=1000.0, staff=0.2),),
    )
    base.update(kw)
    return Objective.model_validate(base)


def _agreement(**kw: object) -> Agreement:
    partners = tuple(kw.get("partners", ("x",)))  # type: ignore[call-overload]
    duties = tuple(Responsibility(party=p, tasks=("host the mission",)) for p in partners)
    base: dict[str, object] = {
        "id": "a",
        "partners": partners,
        "class": "Partnership",
        "start": date(2024, 1, 1),
        "end": date(2027, 12, 31),
        "objectives": (_smart_objective(responsibilities=duties),),
    }
    base.update(kw)
    return Agreement.model_validate(base)


@pytest.fixture
def smart_objective():
    """Factory: a complete SMART objective, with fields overridden by keyword."""
    return _smart_objective


@pytest.fixture
def agreement():
    """Factory: a Partnership 2024–2027 with one SMART objective (a responsibility for each
    partner), fields overridden by keyword."""
    return _agreement


@pytest.fixture
def reg_of(tmp_path):
    """Factory: a register in a fresh folder under tmp_path holding the given agreements."""
    count = [0]

    def make(*agreements: Agreement) -> ag.Register:
        count[0] += 1
        folder = tmp_path / f"register{count[0]}"
        folder.mkdir()
        reg = ag.Register(folder, {})
        for a in agreements:
            reg.save(a)
        return reg

    return make


@pytest.fixture
def register_copy(tmp_path):
    """A writable copy of the shipped Toronto register, loaded."""
    import shutil

    shutil.copytree(REGISTER, tmp_path / "reg")
    return ag.load_register(tmp_path / "reg")
