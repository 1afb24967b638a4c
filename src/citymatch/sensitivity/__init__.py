"""Sensitivity analysis: how far the weights and the data can move before the ranking changes.

Public entry points (each accepts a :class:`~citymatch.Ranking` or raw
``(matrix, weights, types)`` arrays), one module per feature:

- :func:`weight_sweep` (``sweep``) — one criterion's weight over [0, 1], the others rescaled
  proportionally; scores and ranks along the sweep.
- :func:`stability_intervals` (``stability``) — exact tipping points: for each criterion, the
  interval of its weight within which the winner, the top-k set and the full order stay the
  same.
- :func:`rank_acceptability` (``acceptability``) — SMAA-2 Monte Carlo: weights sampled
  uniformly on the simplex, from a Dirichlet around the base weights, within intervals, or
  consistent with an ordinal ranking of the criteria; optional noise on the data.
- :func:`ahp_weight_samples`, :func:`ahp_repair` (``ahp_uncertainty``) — perturbed AHP
  judgements propagated to weight samples; the judgements that cause an AHP matrix's
  inconsistency.
- :func:`what_it_takes`, :func:`missing_rank_bounds` (``what_if``) — the smallest change of
  one candidate's own value that brings it into the top k; best/worst rank for missing values.
- :func:`method_agreement`, :func:`rank_reversal` (``methods``) — other methods (pymcdm) and
  rank-reversal checks behind citymatch's validation.

The geometry of TOPSIS makes this cheap: with ``w ≥ 0`` the ideal points and the column
scale do not depend on the weights, so ``D⁺² = A⁺ @ (w²)`` with the weight-free
``A⁺ = ((X − x⁺)/s)²`` (``_terms``, the one place sensitivity scores).  Along a
one-criterion sweep every ``D²`` is a quadratic in the weight, and two candidates tie where a
quartic polynomial vanishes — which is how the tipping points are found exactly.
"""

from ..sampling import sample_weights
from .acceptability import RankAcceptabilityResult, rank_acceptability
from .ahp_uncertainty import (
    SAATY_SCALE,
    AHPRepairResult,
    ahp_repair,
    ahp_weight_samples,
    eval_fraction,
)
from .methods import MethodAgreementResult, consensus, method_agreement, rank_reversal
from .stability import StabilityResult, stability_intervals
from .sweep import WeightSweepResult, weight_sweep
from .what_if import missing_rank_bounds, what_it_takes

__all__ = [
    "SAATY_SCALE",
    "AHPRepairResult",
    "MethodAgreementResult",
    "RankAcceptabilityResult",
    "StabilityResult",
    "WeightSweepResult",
    "ahp_repair",
    "ahp_weight_samples",
    "consensus",
    "eval_fraction",
    "method_agreement",
    "missing_rank_bounds",
    "rank_acceptability",
    "rank_reversal",
    "sample_weights",
    "stability_intervals",
    "weight_sweep",
    "what_it_takes",
]
