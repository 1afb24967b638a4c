"""Screening: property tests against a row-by-row oracle written from the rules' definitions.

The oracle evaluates every rule of ``ScreeningRule``'s docstring candidate by candidate in plain
Python; ``screen`` must agree on who is kept, list every rule a candidate fails, never mutate
the table, and give the same answer chunk by chunk (with the whole table's occupancy counts)
as on the whole table — which is what the streamed ranking relies on.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from citymatch.models.criteria import ScreeningRule
from citymatch.screening import occupancy_counts, screen

OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@st.composite
def tables(draw):
    n = draw(st.integers(1, 25))
    value = st.one_of(st.none(), st.integers(0, 4).map(float))
    return pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(n)],
            "x": draw(st.lists(value, min_size=n, max_size=n)),
            "region": draw(
                st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n)
            ),
            "active": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        }
    )


@st.composite
def rule_sets(draw):
    rules = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["require", "exclude", "max_per_group", "max_total"]))
        if kind in ("require", "exclude"):
            op = draw(st.sampled_from([*OPS, "in", "not in", "missing", "present"]))
            value = (
                draw(st.lists(st.integers(0, 4).map(float), min_size=1, max_size=3))
                if op in ("in", "not in")
                else float(draw(st.integers(0, 4)))
            )
            rules.append(
                ScreeningRule(
                    id=f"r{i}", description="d", kind=kind, column="x", op=op, value=value
                )
            )
        else:
            rules.append(
                ScreeningRule(
                    id=f"r{i}",
                    description="d",
                    kind=kind,
                    column="region" if kind == "max_per_group" else "",
                    occupied="active",
                    max=draw(st.integers(1, 4)),
                )
            )
    return rules


def _fails(rule, row, table):
    """Does this row fail the rule? Straight from the rule's documented meaning."""
    x = row["x"]
    missing = x is None or (isinstance(x, float) and math.isnan(x))
    if rule.kind == "max_total":
        return (not row["active"]) and int(table["active"].sum()) >= rule.max
    if rule.kind == "max_per_group":
        g = row["region"]
        if g is None or row["active"]:
            return False
        held = sum(1 for _, r in table.iterrows() if r["region"] == g and r["active"])
        return held >= rule.max
    if rule.op == "missing":
        holds = missing
    elif rule.op == "present":
        holds = not missing
    elif missing:
        holds = False
    elif rule.op == "in":
        holds = x in rule.value
    elif rule.op == "not in":
        holds = x not in rule.value
    else:
        holds = OPS[rule.op](x, rule.value)
    return (not holds) if rule.kind == "require" else holds


@settings(max_examples=60, deadline=None)
@given(tables(), rule_sets())
def test_screen_agrees_with_the_row_by_row_oracle(table, rules):
    """Kept exactly when no rule fails; each exclusion lists every failed rule, in order."""
    before = table.copy()
    kept, excluded = screen(table, rules, ids=table["id"])
    pd.testing.assert_frame_equal(table, before)  # never mutated
    failed = {
        row["id"]: [r.id for r in rules if _fails(r, row, table)] for _, row in table.iterrows()
    }
    assert kept.tolist() == [not failed[i] for i in table["id"]]
    assert excluded["id"].tolist() == [i for i in table["id"] if failed[i]]
    for row in excluded.itertuples(index=False):
        assert row.rule == "; ".join(failed[row.id])


@settings(max_examples=40, deadline=None)
@given(tables(), rule_sets(), st.integers(1, 6))
def test_screening_by_chunks_with_whole_table_counts_equals_whole_table(table, rules, size):
    """Chunk by chunk with the whole table's occupancy (as streaming does) = the whole table."""
    whole_kept, whole_excl = screen(table, rules, ids=table["id"])
    occupancy = occupancy_counts(table.iloc[:0], rules)
    for start in range(0, len(table), size):
        occupancy_counts(table.iloc[start : start + size], rules, into=occupancy)
    for r in rules:
        if r.kind in ("max_total", "max_per_group"):
            occupancy.setdefault(r.id, 0 if r.kind == "max_total" else pd.Series(dtype=np.int64))
    kept_parts, excl_parts = [], []
    for start in range(0, len(table), size):
        part = table.iloc[start : start + size]
        k, e = screen(part, rules, ids=part["id"], occupancy=occupancy)
        kept_parts.append(k)
        excl_parts.append(e)
    assert pd.concat(kept_parts).tolist() == whole_kept.tolist()
    got = pd.concat(excl_parts, ignore_index=True)
    pd.testing.assert_frame_equal(got, whole_excl, check_dtype=False)
