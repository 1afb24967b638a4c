"""Agreement models: SMART validation, term arithmetic, status, KPI progress."""

from __future__ import annotations

from datetime import date

import pytest

from citymatch.models.agreement import KPI, Measurement, Objective, _add_months


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
    ],
)
def test_each_smart_failure_is_reported(smart_objective, change, message):
    """Every way of failing SMART is detected and described (as data, not an exception)."""
    issues = smart_objective(**change).smart_issues()
    assert any(message in issue for issue in issues), issues


def test_all_failures_reported_at_once():
    """An empty objective reports every failure, not only the first."""
    issues = Objective(id="e").smart_issues()
    assert len(issues) == 6


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
