"""Scoring kernels: TOPSIS and AHP (pure numpy, no pandas in the hot paths)."""

from .ahp import HierarchyResult, ahp, ahp_group, ahp_hierarchy, random_index
from .topsis import NORMALIZATIONS, topsis

__all__ = [
    "NORMALIZATIONS",
    "HierarchyResult",
    "ahp",
    "ahp_group",
    "ahp_hierarchy",
    "random_index",
    "topsis",
]
