"""TEMPORARY stand-in for the lead's ``citymatch.scoring.geometry`` (issue 12).

It only wraps the current private pass-1 function so that the sensitivity package can be
written against the public name and signature; the lead's real module replaces this file at
merge.  Keep it tiny.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .topsis import _geometry  # TEMPORARY: the real geometry module owns this code

__all__ = ["geometry"]

F64 = NDArray[np.float64]


def geometry(x: NDArray[np.floating], t: NDArray[np.int8], norm: str) -> tuple[F64, F64, F64, F64]:
    """Ideal and anti-ideal points (raw units), scale ``s`` and ``1/s`` (0 for a dead criterion)."""
    return _geometry(x, t, norm, None, None)
