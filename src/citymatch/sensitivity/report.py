"""The sensitivity report's two analyses, as the CLI and the service both give them."""

from __future__ import annotations

import numpy as np

from ..rank import Ranking
from ..sampling import Sampler
from .acceptability import RankAcceptabilityResult, rank_acceptability
from .stability import StabilityResult, stability_intervals

__all__ = ["acceptability_and_stability"]


def acceptability_and_stability(
    ranking: Ranking,
    *,
    samples: int,
    rng: np.random.Generator | int | None,
    sampler: Sampler,
    concentration: float,
    k: int,
    progress: bool | None = None,
) -> tuple[RankAcceptabilityResult, StabilityResult]:
    """SMAA-2 rank acceptability and the exact stability intervals of one ranking.

    The stability intervals are those of the winner, the top ``min(k, N − 1)`` and the full
    order (a top-k set of all N candidates cannot change, so k is capped at N − 1).  Used by
    ``citymatch sensitivity`` and ``/v1/sensitivity`` (the contract's sensitivity response).
    """
    acc = rank_acceptability(
        ranking,
        samples=samples,
        rng=rng,
        sampler=sampler,
        concentration=concentration,
        progress=progress,
    )
    stab = stability_intervals(ranking, k=min(k, len(ranking.table) - 1), progress=progress)
    return acc, stab
