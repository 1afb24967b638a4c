"""Scale: candidate sets larger than memory (Parquet, streamed) and past one machine (Dask).

- :mod:`citymatch.scale.parquet` — :func:`topsis_parquet` and :func:`rank_parquet` stream a
  Parquet file or folder in two passes with the in-memory steps and kernels;
- :mod:`citymatch.scale.dask` — :func:`topsis_dask`, :func:`topk` and
  :func:`rank_acceptability_dask` on ``dask.array`` / ``dask.dataframe`` inputs (or a Parquet
  path) with whatever scheduler is active, or a ``distributed.Client`` you pass.

pyarrow and Dask are optional extras (``parquet``, ``scale``), imported on first use.
"""

from .dask import rank_acceptability_dask, topk, topsis_dask
from .parquet import EXCLUDED_SAMPLE, StreamedRanking, StreamedScores, rank_parquet, topsis_parquet

__all__ = [
    "EXCLUDED_SAMPLE",
    "StreamedRanking",
    "StreamedScores",
    "rank_acceptability_dask",
    "rank_parquet",
    "topk",
    "topsis_dask",
    "topsis_parquet",
]
