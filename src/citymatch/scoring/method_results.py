"""Immutable results of the scoring methods other than TOPSIS and AHP.

Every method returns a frozen value with the same reading surface as
:class:`~citymatch.scoring.results.TopsisResult`: ``scores`` in the method's own orientation
(``higher_is_better`` says which), ``ranks`` (1 = best, ties share a rank),
``preference`` (scores oriented so that higher is better, for code that handles every
method alike), ``to_frame()``, a one-line repr and an HTML repr. The method's own
quantities (VIKOR's S, R, Q; PROMETHEE's flows; …) are named fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._display import html_table
from .._validate import check_finite_result
from ..errors import CitymatchValueError
from .ranks import rank_scores
from .results import freeze_arrays

F64 = NDArray[np.float64]

__all__ = [
    "CoprasResult",
    "MethodResult",
    "PrometheeResult",
    "SpotisResult",
    "VikorResult",
    "WaspasResult",
]


@dataclass(frozen=True, repr=False, eq=False)
class MethodResult:
    """Scores of N candidates (or K × N for a batch of weight vectors) under one method.

    Attributes
    ----------
    method : str
        The method's name (``"WSM"``, ``"VIKOR"``, …).
    scores : ndarray, (N,) or (K, N)
        The method's published score (WSM: weighted sum; VIKOR: Q; SPOTIS: distance to
        the ideal solution point; …), in its own orientation.
    higher_is_better : bool
        Whether a larger score is better (False for VIKOR's Q and SPOTIS).
    """

    method: str
    scores: F64
    higher_is_better: bool

    def __post_init__(self) -> None:
        check_finite_result(self.scores, what=f"{self.method} scores")  # never a silent NaN
        freeze_arrays(self)

    @property
    def batched(self) -> bool:
        """Whether the result holds K weight vectors (scores of shape (K, N))."""
        return self.scores.ndim == 2

    @property
    def preference(self) -> F64:
        """``scores`` oriented so that higher is better (negated when lower is better)."""
        out: F64 = self.scores if self.higher_is_better else -self.scores
        return out

    @property
    def ranks(self) -> NDArray[np.int64]:
        """Competition ranks (1 = best, ties within 12 decimals share a rank), along the last axis."""
        return rank_scores(self.preference)

    def _quantities(self) -> dict[str, F64]:
        """The method's own per-candidate arrays (subclasses add theirs, scores last)."""
        return {}

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate (long form with a ``weights`` column when batched)."""
        cols = {**self._quantities(), "score": self.scores, "rank": self.ranks}
        if not self.batched:
            return pd.DataFrame(cols).rename_axis("candidate")
        k, n = self.scores.shape
        return pd.DataFrame(
            {
                "weights": np.repeat(np.arange(k), n),
                "candidate": np.tile(np.arange(n), k),
                **{name: np.asarray(v).ravel() for name, v in cols.items()},
            }
        )

    def _footer(self) -> str:
        shape = self.scores.shape
        k = f", K={shape[0]} weight vectors" if self.batched else ""
        better = "higher" if self.higher_is_better else "lower"
        return f"{self.method} · N={shape[-1]}{k} · {better} score is better"

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.batched:
            return f"{name}({self._footer()})"
        best = int(np.argmax(self.preference))
        return f"{name}({self._footer()}, best=candidate {best} (score {self.scores[best]:.4g}))"

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        if not self.batched:
            frame = frame.sort_values("rank", kind="stable")
        return html_table(frame, self._footer())

    def _single(self, what: str) -> None:
        if self.batched:
            raise CitymatchValueError(
                f"`{what}` is defined for one weight vector; this result holds "
                f"{self.scores.shape[0]} (call the method with one vector)."
            )


@dataclass(frozen=True, repr=False, eq=False)
class WaspasResult(MethodResult):
    """WSM, WPM or WASPAS: ``scores = λ·wsm + (1 − λ)·wpm`` (λ = 1 is WSM, λ = 0 is WPM)."""

    wsm: F64
    wpm: F64
    lam: float
    normalization: str

    def _quantities(self) -> dict[str, F64]:
        if self.lam in (0.0, 1.0):
            return {}
        return {"wsm": self.wsm, "wpm": self.wpm}


@dataclass(frozen=True, repr=False, eq=False)
class VikorResult(MethodResult):
    """VIKOR: group utility S, individual regret R, compromise index Q (= ``scores``).

    ``compromise`` (one weight vector only) is the compromise solution — one candidate
    when both of Opricovic & Tzeng's conditions hold, else the compromise set; the
    conditions themselves are ``acceptable_advantage`` and ``acceptable_stability``.
    """

    s: F64
    r: F64
    v: float
    compromise_set: tuple[int, ...] | None
    acceptable_advantage: bool | None
    acceptable_stability: bool | None

    @property
    def compromise(self) -> tuple[int, ...]:
        """Candidates (row numbers) of the compromise solution, best Q first."""
        self._single("compromise")
        assert self.compromise_set is not None
        return self.compromise_set

    def _quantities(self) -> dict[str, F64]:
        return {"S": self.s, "R": self.r}

    def _footer(self) -> str:
        base = f"{super()._footer()} · v={self.v:g}"
        if self.compromise_set is None:
            return base
        return f"{base} · compromise {list(self.compromise_set)}"


@dataclass(frozen=True, repr=False, eq=False)
class PrometheeResult(MethodResult):
    """PROMETHEE II net flows (``scores``) with the positive and negative flows.

    The flows are averages over the other N − 1 candidates: ``phi_plus`` and ``phi_minus``
    lie in [0, 1] and the net flows sum to zero.
    """

    phi_plus: F64
    phi_minus: F64
    preference_functions: tuple[str, ...]

    def _quantities(self) -> dict[str, F64]:
        return {"phi_plus": self.phi_plus, "phi_minus": self.phi_minus}

    def outranking(self, *, limit: int = 2_000) -> pd.DataFrame:
        """PROMETHEE I partial preorder as an N × N table (row against column).

        ``"P"``: the row candidate outranks the column one (φ⁺ at least as high and φ⁻ at
        least as low, one of them strictly); ``"P⁻"``: the column outranks the row;
        ``"I"``: indifferent (both flows equal within 12 decimals); ``"R"``:
        incomparable (the two flows disagree). Refused beyond ``limit`` candidates (the
        table has N² cells).
        """
        self._single("outranking")
        n = self.scores.shape[0]
        if n > limit:
            raise CitymatchValueError(
                f"`outranking` builds an N × N table; N = {n} is over `limit` = {limit} "
                "(raise `limit` if the table fits in memory)."
            )
        fp = np.round(self.phi_plus, 12)
        fm = np.round(self.phi_minus, 12)
        plus_ge = fp[:, None] >= fp[None, :]
        minus_le = fm[:, None] <= fm[None, :]
        strict = (fp[:, None] > fp[None, :]) | (fm[:, None] < fm[None, :])
        rel = np.full((n, n), "R", dtype=object)
        rel[plus_ge & minus_le & strict] = "P"
        rel[plus_ge.T & minus_le.T & strict.T] = "P⁻"
        rel[(fp[:, None] == fp[None, :]) & (fm[:, None] == fm[None, :])] = "I"
        return pd.DataFrame(rel)


@dataclass(frozen=True, repr=False, eq=False)
class SpotisResult(MethodResult):
    """SPOTIS: weighted normalised distance to the ideal solution point (lower is better)."""

    bounds: F64
    ideal: F64


@dataclass(frozen=True, repr=False, eq=False)
class CoprasResult(MethodResult):
    """COPRAS: weighted benefit and cost sums, relative significance Q (= ``scores``), utility.

    ``utility`` is the utility degree ``Q / max Q`` (in [0, 1]; 1 for the best).
    """

    s_plus: F64
    s_minus: F64
    utility: F64

    def _quantities(self) -> dict[str, F64]:
        return {"S_plus": self.s_plus, "S_minus": self.s_minus, "utility": self.utility}
