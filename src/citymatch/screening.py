"""Hard screening rules, applied before scoring and kept apart from the weights."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScreeningError
from .models.criteria import ScreeningRule

__all__ = ["occupancy_counts", "screen"]

_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _truthy(col: pd.Series) -> pd.Series:
    if col.dtype == bool:
        return col
    if pd.api.types.is_numeric_dtype(col):
        return col.fillna(0) != 0
    text = col.astype("string").str.strip().str.lower()
    return text.isin(["true", "yes", "1", "y"]).fillna(False).astype(bool)


def _show(value: Any) -> str:
    """Repr of a cell value without numpy's type wrapper (1, not np.int64(1))."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _holds(rule: ScreeningRule, col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(condition holds, value missing) per row."""
    missing = col.isna()
    if rule.op == "missing":
        return missing, pd.Series(False, index=col.index)
    if rule.op == "present":
        return ~missing, pd.Series(False, index=col.index)
    if rule.op in ("in", "not in"):
        hit = col.isin(list(rule.value))
        res = hit if rule.op == "in" else ~hit
    else:
        value = rule.value
        if isinstance(value, bool) and col.dtype != bool:
            col = _truthy(col)
        try:
            res = _CMP[rule.op](col, value)
        except TypeError as exc:
            raise ScreeningError(
                f"screening rule {rule.id!r}: cannot compare column {rule.column!r} "
                f"(dtype {col.dtype}) {rule.op} {value!r}."
            ) from exc
    res = pd.Series(np.asarray(res, dtype=bool), index=col.index) & ~missing
    return res, missing


def _group_counts(col: pd.Series, occ: pd.Series) -> pd.Series:
    return occ.groupby(col, dropna=True).sum().astype(np.int64)


def occupancy_counts(
    table: pd.DataFrame, rules: Sequence[ScreeningRule], into: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Occupied-row counts for the table-wide rules (``max_per_group``, ``max_total``).

    Returns ``{rule id: count}`` for ``max_total`` and ``{rule id: Series group → count}`` for
    ``max_per_group``.  With ``into``, the counts of ``table`` are added to it (chunk by
    chunk, for streaming); a rule whose columns ``table`` lacks is skipped here and reported
    by :func:`screen`.
    """
    out: dict[str, Any] = {} if into is None else into
    for rule in rules:
        if rule.kind not in ("max_total", "max_per_group") or str(rule.occupied) not in table:
            continue
        occ = _truthy(table[str(rule.occupied)])
        if rule.kind == "max_total":
            out[rule.id] = out.get(rule.id, 0) + int(occ.sum())
        elif rule.column in table:
            part = _group_counts(table[rule.column], occ)
            prev = out.get(rule.id)
            out[rule.id] = part if prev is None else prev.add(part, fill_value=0).astype(np.int64)
    return out


def screen(
    table: pd.DataFrame,
    rules: Sequence[ScreeningRule],
    *,
    ids: pd.Series,
    kind: pd.Series | None = None,
    applies_to: Sequence[str] | None = None,
    occupancy: Mapping[str, Any] | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Apply screening rules; return (kept mask, excluded table with reasons).

    Every rule is evaluated on every candidate, so the excluded table lists all the
    rules a candidate fails, not only the first.

    Parameters
    ----------
    table : DataFrame
        The candidates (not modified).
    rules : sequence of ScreeningRule
    ids : Series
        Candidate ids aligned with ``table``.
    kind : Series, optional
        The candidates' kinds; with ``applies_to`` a candidate of another kind is
        excluded with the reason "kind not covered by this criteria set".
    occupancy : mapping, optional
        Counts of occupied rows for the ``max_per_group`` / ``max_total`` rules, by rule
        id, as returned by :func:`occupancy_counts` — for screening a chunk of a larger
        table (streaming) with the whole table's counts.  Default: count ``table``.
    """
    reasons: list[list[tuple[str, str]]] = [[] for _ in range(len(table))]

    def note(mask: pd.Series, rule_id: str, messages: Sequence[str]) -> None:
        """Record ``messages[i]`` for the i-th candidate flagged in ``mask``."""
        for pos, text in zip(np.flatnonzero(mask.to_numpy()), messages, strict=True):
            reasons[pos].append((rule_id, text))

    def column(rule: ScreeningRule, name: str, role: str) -> pd.Series:
        if name not in table.columns:
            raise ScreeningError(
                f"screening rule {rule.id!r} reads column {name!r}{role}, which the candidate "
                f"table does not have; columns: {list(table.columns)}."
            )
        return table[name]

    if applies_to is not None and kind is not None:
        bad = ~kind.isin(list(applies_to))
        covered = ", ".join(applies_to)
        note(
            bad,
            "kind",
            [f"kind {k!r} is not covered by this criteria set ({covered})" for k in kind[bad]],
        )
    for rule in rules:
        if rule.kind == "max_total":
            occ = _truthy(column(rule, str(rule.occupied), " (`occupied`)"))
            total = int(occupancy[rule.id]) if occupancy is not None else int(occ.sum())
            if total >= rule.max:
                text = f"cap reached: {total} active relationship(s), cap {rule.max}: {rule.description}"
                note(~occ, rule.id, [text] * int((~occ).sum()))
            continue
        col = column(rule, rule.column, "")
        if rule.kind == "max_per_group":
            occ = _truthy(column(rule, str(rule.occupied), " (`occupied`)"))
            counts = occupancy[rule.id] if occupancy is not None else _group_counts(col, occ)
            held = col.map(counts).fillna(0).astype(int)
            hit = (held >= rule.max) & ~occ & col.notna()
            note(
                hit,
                rule.id,
                [
                    f"{rule.column} {_show(g)} already holds {h} relationship(s) "
                    f"(at most {rule.max}): {rule.description}"
                    for g, h in zip(col[hit], held[hit], strict=True)
                ],
            )
            continue
        holds, missing = _holds(rule, col)
        hit = ~holds if rule.kind == "require" else holds
        note(
            hit,
            rule.id,
            [
                (f"{rule.column} is missing" if m else f"{rule.column} = {_show(v)}")
                + f": {rule.description}"
                for v, m in zip(col[hit], missing[hit], strict=True)
            ],
        )

    kept = pd.Series([not r for r in reasons], index=table.index)
    rows = [
        {
            "id": ids.iloc[p],
            "rule": "; ".join(r for r, _ in rs),
            "reason": " | ".join(t for _, t in rs),
        }
        for p, rs in enumerate(reasons)
        if rs
    ]
    excluded = pd.DataFrame(rows, columns=["id", "rule", "reason"])
    return kept, excluded
