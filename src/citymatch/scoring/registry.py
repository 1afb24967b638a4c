"""The scoring methods by name: what each computes, its orientation and the paths it supports.

Everything above the scoring layer that takes ``method=`` resolves the name here, so a
method is written once (its module in :mod:`citymatch.scoring`) and every caller gets the
same validation and the same error for a path the method does not support.

Paths: ``"memory"`` (one weight vector, in memory), ``"batch"`` (a (K, M) batch of weight
vectors in one call — what SMAA and sweeps use), ``"stream"`` (Parquet sources chunk by
chunk: needs only column statistics, so TOPSIS alone today) and ``"dask"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import CriterionTypes, as_types
from ..errors import ArgumentError, ArgumentTypeError, CitymatchValueError
from .copras import copras
from .promethee import promethee
from .promethee import validate_options as promethee_check
from .spotis import spotis
from .spotis import validate_options as spotis_check
from .topsis import topsis
from .topsis import validate_options as topsis_check
from .vikor import validate_options as vikor_check
from .vikor import vikor
from .weighted import mabac, waspas, wpm, wsm
from .weighted import validate_options as weighted_check

__all__ = ["METHODS", "MethodSpec", "as_options", "check_options", "method_spec", "require_path"]

PATHS = ("memory", "batch", "stream", "dask")


@dataclass(frozen=True)
class MethodSpec:
    """One scoring method as the layers above see it."""

    name: str
    function: Callable[..., Any]
    higher_is_better: bool
    paths: frozenset[str]
    parameters: tuple[str, ...]
    reference: str
    #: ``check(types, options)``: refuse option values the method would refuse, for
    #: criteria of these ``types`` (M,), before any data (a criteria set checks them on load).
    check: Callable[[NDArray[np.int8], Mapping[str, Any]], None] = lambda types, options: None

    def supports(self, path: str) -> bool:
        """Whether the method runs on ``path`` (one of ``memory``, ``batch``, ``stream``, ``dask``)."""
        return path in self.paths


_IN_MEMORY = frozenset({"memory", "batch"})
_SPECS = (
    MethodSpec(
        "TOPSIS",
        topsis,
        True,
        frozenset(PATHS),
        ("normalization", "ideal", "anti_ideal"),
        "Hwang & Yoon (1981)",
        topsis_check,
    ),
    MethodSpec("VIKOR", vikor, False, _IN_MEMORY, ("v",), "Opricovic & Tzeng (2004)", vikor_check),
    MethodSpec(
        "PROMETHEE_II",
        promethee,
        True,
        _IN_MEMORY,
        ("preference", "q", "p", "s"),
        "Brans & Vincke (1985)",
        promethee_check,
    ),
    MethodSpec(
        "WSM",
        wsm,
        True,
        _IN_MEMORY,
        ("normalization",),
        "Fishburn (1967); Triantaphyllou (2000)",
        partial(weighted_check, "WSM"),
    ),
    MethodSpec(
        "WPM",
        wpm,
        True,
        _IN_MEMORY,
        ("normalization",),
        "Bridgman (1922); Triantaphyllou (2000)",
        partial(weighted_check, "WPM"),
    ),
    MethodSpec(
        "WASPAS",
        waspas,
        True,
        _IN_MEMORY,
        ("lam", "normalization"),
        "Zavadskas et al. (2012)",
        partial(weighted_check, "WASPAS"),
    ),
    MethodSpec(
        "SPOTIS",
        spotis,
        False,
        _IN_MEMORY,
        ("bounds", "ideal"),
        "Dezert et al. (2020)",
        spotis_check,
    ),
    MethodSpec("COPRAS", copras, True, _IN_MEMORY, (), "Zavadskas, Kaklauskas & Šarka (1994)"),
    MethodSpec("MABAC", mabac, True, _IN_MEMORY, (), "Pamučar & Ćirović (2015)"),
)
#: Every scoring method by its canonical name.
METHODS: Mapping[str, MethodSpec] = MappingProxyType({s.name: s for s in _SPECS})
_ALIASES = {"PROMETHEE": "PROMETHEE_II", "SAW": "WSM", "PROMETHEE II": "PROMETHEE_II"}


def method_spec(name: object) -> MethodSpec:
    """The :class:`MethodSpec` named ``name`` (case-insensitive; ``promethee``, ``saw`` accepted)."""
    key = str(name).strip().upper().replace("-", "_") if isinstance(name, str) else ""
    key = _ALIASES.get(key, key)
    if key not in METHODS:
        raise ArgumentError(
            f"`method` must be one of {', '.join(m.lower() for m in METHODS)}; got {name!r}."
        )
    return METHODS[key]


def require_path(name: object, path: str) -> MethodSpec:
    """The method's spec if it supports ``path``, else an error naming the paths it has."""
    spec = method_spec(name)
    if not spec.supports(path):
        has = ", ".join(p for p in PATHS if p in spec.paths)
        raise CitymatchValueError(
            f"method {spec.name} does not run on the {path!r} path (it supports: {has}); "
            "use TOPSIS there, or score in memory."
        )
    return spec


def as_options(value: object) -> dict[str, object]:
    """``method_options`` as a new dict, or a clear error when it is not a mapping."""
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(
            f"`method_options` must be a mapping of option names to values; got {value!r}."
        )
    return dict(value)


def check_options(
    name: object, options: Mapping[str, object], types: CriterionTypes | None = None
) -> MethodSpec:
    """The method's spec if every key of ``options`` is one of its parameters.

    With the criteria's ``types`` (M,) the values are checked too, by the method's own
    rules (:attr:`MethodSpec.check`), before any data: what a criteria set does on load.
    """
    spec = method_spec(name)
    unknown = sorted(set(options) - set(spec.parameters))
    if unknown:
        got = ", ".join(unknown)
        if not spec.parameters:
            raise ArgumentError(f"{spec.name} takes no `method_options`; got {got}.")
        raise ArgumentError(
            f"`method_options` for {spec.name} may only set {', '.join(spec.parameters)}; got {got}."
        )
    if types is not None:
        spec.check(as_types(types, len(types)), options)
    return spec
