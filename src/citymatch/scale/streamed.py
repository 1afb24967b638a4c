"""The results of the streamed (Parquet) paths: immutable values, like every result.

:class:`StreamedScores` (:func:`~citymatch.scale.parquet.topsis_parquet`) and
:class:`StreamedRanking` (:func:`~citymatch.scale.parquet.rank_parquet`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._display import html_table
from ..models.criteria import CriteriaSet
from ..scoring.results import freeze_arrays

__all__ = ["EXCLUDED_SAMPLE", "StreamedRanking", "StreamedScores"]

F64 = NDArray[np.float64]

#: Rows of ``excluded`` / ``filled`` kept in a streamed ranking (the counts are exact).
EXCLUDED_SAMPLE = 1_000


class _TopKept:
    """What both streamed results share: the kept top table, the scores file, read-only arrays."""

    top: pd.DataFrame | None
    output: Path | None

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def to_frame(self) -> pd.DataFrame:
        """The top-k table (empty if only an output file was written)."""
        return self.top.copy() if self.top is not None else pd.DataFrame()

    def _kept(self) -> str:
        k = 0 if self.top is None else len(self.top)
        out = f", scores in {self.output}" if self.output else ""
        return f"top {k} kept{out}"

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), repr(self))


@dataclass(frozen=True, repr=False, eq=False)
class StreamedScores(_TopKept):
    """Result of :func:`topsis_parquet` (an immutable value).

    Attributes
    ----------
    n : int
        Rows scored.
    top : DataFrame or None
        The best ``k`` rows: ``row`` (position in the source), the id column if given,
        ``score``, ``rank``, ``d_ideal``, ``d_anti_ideal``.
    output : Path or None
        The Parquet file holding every row's scores, if one was written.
    ideal, anti_ideal, scale, weights : ndarray (M,)
        The geometry used (identical to the in-memory kernel's).
    normalization : str
    """

    n: int
    top: pd.DataFrame | None
    output: Path | None
    ideal: F64
    anti_ideal: F64
    scale: F64
    weights: F64
    normalization: str

    def __repr__(self) -> str:
        return f"StreamedScores(N={self.n:,}, {self._kept()}, {self.normalization} normalisation)"


@dataclass(frozen=True, repr=False, eq=False)
class StreamedRanking(_TopKept):
    """Result of :func:`rank_parquet` (an immutable value).

    Attributes
    ----------
    n : int
        Candidates ranked (after screening and missing-value handling).
    top : DataFrame or None
        The best ``top`` candidates, best first: ``row`` (position in the source), ``id``,
        ``name`` and ``kind`` (when present), ``score``, ``rank``, ``d_ideal``,
        ``d_anti_ideal`` and ``contrib_<criterion>`` — the same columns and values as the
        in-memory :class:`citymatch.Ranking` table.
    output : Path or None
        Parquet file with ``row``, ``id``, ``score``, ``d_ideal``, ``d_anti_ideal`` for every
        ranked candidate (in source order), if requested.
    criteria : CriteriaSet
        The set used (with the weights actually used).
    ideal, anti_ideal, scale, weights : ndarray (M,)
        The geometry used.
    normalization : str
    n_excluded, excluded : int, DataFrame
        How many candidates were screened out or dropped, and the first
        :data:`EXCLUDED_SAMPLE` of them (``id``, ``rule``, ``reason``).
    n_filled, filled : int, DataFrame
        How many values ``missing="worst"`` filled, and the first :data:`EXCLUDED_SAMPLE`.
    """

    n: int
    top: pd.DataFrame | None
    output: Path | None
    criteria: CriteriaSet
    ideal: F64
    anti_ideal: F64
    scale: F64
    weights: F64
    normalization: str
    n_excluded: int
    excluded: pd.DataFrame
    n_filled: int
    filled: pd.DataFrame

    def __repr__(self) -> str:
        return (
            f"StreamedRanking({self.criteria.name}: {self.n:,} ranked, {self.n_excluded:,} "
            f"excluded, {self._kept()}, {self.normalization} normalisation)"
        )
