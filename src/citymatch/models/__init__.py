"""Domain models (pydantic v2, frozen, ``extra="forbid"``)."""

from .criteria import (
    AHPNode,
    AHPSpec,
    CriteriaSet,
    Criterion,
    ScreeningRule,
    list_criteria,
    load_criteria,
)

__all__ = [
    "AHPNode",
    "AHPSpec",
    "CriteriaSet",
    "Criterion",
    "ScreeningRule",
    "list_criteria",
    "load_criteria",
]
