"""Agreement models: SMART validation, term arithmetic, status, KPI progress."""

from __future__ import annotations

from datetime import date

import pytest

from citymatch.models.agreement import (
    KPI,
    Agreement,
    Measurement,
    Milestone,
    Objective,
    Resource,
    Responsibility,
    _add_months,
)


# ------------------------------------------------------------------ SMART
def test_complete_objective_is_smart(smart_objective):
    """An objective with text, activity, a complete KPI, owner, resources and an end date passes."""
    assert smart_objective().smart_issues() == [] and smart_objective().is_smart


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objective": ""}, "objective 'o': not specific — no objective text"),
        ({"activity": " "}, "objective 'o': not specific — no activity"),
        ({"kpis": ()}, "objective 'o': not measurable — no KPI"),
        (
            {
                "kpis": (
                    KPI(
                        metric="businesses reached", unit="firms", baseline=0, due=date(2027, 1, 1)
                    ),
                )
            },
            "KPI 'businesses reached' has no target",
        ),
        (
            {"kpis": (KPI(metric="m", baseline=0, target=1, due=date(2027, 1, 1)),)},
            "KPI 'm' has no unit",
        ),
        (
            {"kpis": (KPI(metric="m", unit="u", target=1, due=date(2027, 1, 1)),)},
            "KPI 'm' has no baseline",
        ),
        ({"kpis": (KPI(metric="m", unit="u", baseline=0, target=1),)}, "KPI 'm' has no due date"),
        ({"owner": ""}, "objective 'o': not assignable — no owner"),
        ({"budget": None, "staff": None}, "objective 'o': not resourced — no budget or staff"),
        ({"end": None}, "objective 'o': not time-bound — no end date"),
        (
            {"responsibilities": ()},
            "objective 'o': not assignable — no responsibilities per party",
        ),
        (
            {"responsibilities": (Responsibility(party="x", tasks=(" ",)),)},
            "objective 'o': responsibility of 'x' lists no tasks",
        ),
        ({"milestones": ()}, "objective 'o': not time-bound — no milestones with dates"),
        (
            {"milestones": (Milestone(name="late", due=date(2028, 3, 1)),)},
            "objective 'o': milestone 'late' is due 2028-03-01, after the end 2027-12-31",
        ),
        ({"reporting": ()}, "objective 'o': no reporting dates"),
        ({"resources": ()}, "objective 'o': not resourced — no budget and staff per year"),
        (
            {"resources": (Resource(year=2026),)},
            "objective 'o': resources for 2026 name no budget or staff",
        ),
    ],
)
def test_each_smart_failure_is_reported(smart_objective, change, message):
    """Every way of failing SMART is detected and described (as data, not an exception)."""
    issues = smart_objective(**change).smart_issues()
    assert any(message in issue for issue in issues), issues


def test_all_failures_reported_at_once():
    """An empty objective reports every failure, not only the first: the six core ones and
    the four complete-SMART details (responsibilities, milestones, reporting, resources)."""
    issues = Objective(id="e").smart_issues()
    assert len(issues) == 10


def test_agreement_lists_partners_without_responsibilities(agreement, smart_objective):
    """An agreement is SMART only when every partner has a responsibility in some objective;
    without objectives it says so; its issues include its objectives' issues."""
    a = agreement(partners=("x", "y"), objectives=(smart_objective(),))
    assert a.smart_issues() == ["agreement 'a': partner 'y' has no responsibility in any objective"]
    assert not a.is_smart and agreement().is_smart
    assert agreement(objectives=()).smart_issues() == ["agreement 'a': no objectives"]
    bad = agreement(objectives=(smart_objective(reporting=()),))
    assert bad.smart_issues() == ["objective 'o': no reporting dates"]


def test_complete_smart_fields_are_optional_and_validated():
    """Old objectives without the new fields still load; duplicate parties or resource years
    and negative resources are refused, naming the rule."""
    old = Agreement.model_validate(
        {"id": "old", "partners": ["x"], "class": "MOU", "objectives": [{"id": "o"}]}
    )
    assert old.objectives[0].responsibilities == () and old.objectives[0].reporting == ()
    twice = [{"party": "x", "tasks": ["a"]}, {"party": "x", "tasks": ["b"]}]
    with pytest.raises(
        ValueError, match=r"responsibility parties must be distinct; got \['x', 'x'\]"
    ):
        Objective(id="o", responsibilities=twice)
    with pytest.raises(ValueError, match=r"resource years must be distinct; got \[2026, 2026\]"):
        Objective(id="o", resources=[{"year": 2026, "budget": 1}, {"year": 2026, "staff": 1}])
    with pytest.raises(ValueError, match=r"greater than or equal to 0"):
        Resource(year=2026, budget=-1)


# ------------------------------------------------------------------ dates
def test_add_months_clamps_and_handles_leap_years():
    """31 Jan + 1 month is 29 Feb in a leap year, 28 Feb otherwise; 29 Feb + 12 months is 28 Feb."""
    assert _add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert _add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert _add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert _add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)
    # Past the calendar's end the window covers every date (found by fuzzing the service).
    assert _add_months(date(2000, 1, 1), 96_000) == date.max
    assert _add_months(date(9999, 12, 31), 1) == date.max
    assert _add_months(date(1, 1, 1), -1) == date.min


def test_status_across_years_and_leap_day(agreement):
    """Status follows the term: active, expiring within the window, expired after; renewals extend it."""
    a = agreement(end=date(2028, 2, 29))
    assert a.status_on(date(2026, 12, 31)) == "active"
    assert a.status_on(date(2027, 2, 28)) == "active"  # 2027-02-28 + 12 months = 2028-02-28 < end
    assert a.status_on(date(2027, 3, 1)) == "expiring"
    assert a.status_on(date(2028, 2, 29)) == "expiring"
    assert a.status_on(date(2028, 3, 1)) == "expired"
    renewed = agreement(
        end=date(2028, 2, 29),
        renewals=[{"decided": date(2028, 1, 15), "new_end": date(2031, 12, 31)}],
    )
    assert (
        renewed.current_end == date(2031, 12, 31)
        and renewed.status_on(date(2028, 3, 1)) == "active"
    )


# ------------------------------------------------------------------ KPI progress
def test_kpi_progress_uses_the_latest_measurement_up_to_a_year(agreement):
    """Progress is (actual − baseline)/(target − baseline) of the latest measurement; with
    ``until`` only periods up to that year count (hand-solved: baseline 0, target 10)."""
    a = agreement(
        measurements=[
            Measurement(objective="o", metric="firms", period=2025, value=3),
            Measurement(objective="o", metric="firms", period=2027, value=8),
            Measurement(objective="o", metric="firms", period=2026, value=5),
        ]
    )
    (latest,) = a.kpi_progress()
    assert (latest["actual"], latest["period"], latest["progress"]) == (8, 2027, 0.8)
    (in_2026,) = a.kpi_progress(until=2026)
    assert (in_2026["actual"], in_2026["period"], in_2026["progress"]) == (5, 2026, 0.5)
    (before,) = a.kpi_progress(until=2024)
    assert (before["actual"], before["period"], before["progress"]) == (None, None, None)


def test_shipped_register_lists_what_is_still_to_fill_in():
    """On the shipped register Chicago and Milan are complete SMART agreements, while Panama
    City's list names exactly the four missing details and the partner without a duty
    (hand-read from examples/register/panama-city.toml)."""
    from citymatch.datasets import load_example_register

    reg = load_example_register()
    assert reg["chicago"].is_smart and reg["milan"].is_smart
    assert reg["panama-city"].smart_issues() == [
        "objective 'logistics': not assignable — no responsibilities per party",
        "objective 'logistics': not time-bound — no milestones with dates",
        "objective 'logistics': no reporting dates",
        "objective 'logistics': not resourced — no budget and staff per year",
        "agreement 'panama-city': partner 'panama-city' has no responsibility in any objective",
    ]
