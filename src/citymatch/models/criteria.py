"""Criteria, screening rules and criteria sets (pydantic v2, frozen).

A criteria set is a versioned TOML file: its criteria (what column each reads, the
direction, a unit and a one-line rationale), its weights — given directly, derived from
AHP judgements stored in the same file, or named (``weights = "entropy"``: computed from
the candidates being ranked; ``weights = "roc"`` with a ``criteria_order``: from a ranking
of the criteria) — and its hard screening rules, which exclude candidates before scoring
and are kept separate from the weights.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from collections.abc import Mapping
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from .._files import read_document
from .._validate import point_by_id
from ..errors import (
    CitymatchError,
    CitymatchValueError,
    CriteriaError,
    CriteriaFileError,
    InconsistentJudgementsWarning,
)
from ._base import Frozen, format_validation_error, repeated, require_unique, validate_model

__all__ = [
    "AHPNode",
    "AHPSpec",
    "CriteriaSet",
    "Criterion",
    "ScreeningRule",
    "list_criteria",
    "load_criteria",
]

_ID = r"^[A-Za-z][A-Za-z0-9_\-]*$"
#: Weights a set may name instead of giving them: computed from the data being ranked ...
DATA_WEIGHTS = ("entropy", "critic", "std")
#: ... or from a ranking of the criteria (``criteria_order``), or equal.
NAMED_WEIGHTS = (*DATA_WEIGHTS, "equal", "roc", "rank_sum")


class Criterion(Frozen):
    """One decision criterion.

    Attributes
    ----------
    id : str
        Identifier (letters, digits, ``_``, ``-``).
    label : str
        Human-readable name.
    column : str
        Candidate-table column it reads (defaults to ``id``).
    direction : {"benefit", "cost"}
        Whether more is better (benefit) or worse (cost).
    weight : float, optional
        Direct weight (any non-negative scale; the set normalises to 1).
    unit, description, rationale : str
        Unit of the column, longer description, one-line reason for the criterion.
    range : (float, float), optional
        Valid range of the column; values outside it are an error.
    goals : tuple of str
        Ids of the policy's strategic goals the criterion measures (analyst-entered; checked
        against a policy by :func:`citymatch.agreements.goal_coverage`).
    """

    id: str = Field(pattern=_ID)
    label: str
    column: str = ""
    direction: Literal["benefit", "cost"]
    weight: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    unit: str = ""
    description: str = ""
    rationale: str = ""
    goals: tuple[str, ...] = ()
    range: tuple[float, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_column(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not data.get("column"):
            data = {**data, "column": data.get("id", "")}
        return data

    @field_validator("range")
    @classmethod
    def _range_order(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"range must be [low, high] with low < high; got {list(v)}")
        return v

    @property
    def sign(self) -> int:
        """``+1`` for a benefit criterion, ``-1`` for a cost criterion."""
        return 1 if self.direction == "benefit" else -1


class AHPNode(Frozen):
    """Pairwise judgements over a node's children (criteria or groups of criteria)."""

    id: str = Field(pattern=_ID)
    children: tuple[str, ...] = Field(min_length=1)
    matrix: tuple[tuple[float | str, ...], ...]

    @field_validator("children")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError(f"children must be unique; got {list(v)}")
        return v


class AHPSpec(Frozen):
    """AHP judgements that derive a set's weights (a flat matrix or a hierarchy)."""

    method: Literal["eigenvector", "geometric_mean"] = "eigenvector"
    ri: str = "saaty1980"
    threshold: float = Field(default=0.10, ge=0)
    nodes: tuple[AHPNode, ...] = Field(min_length=1)

    def tree(self) -> dict[str, Any]:
        """The hierarchy as the nested mapping :func:`citymatch.ahp_hierarchy` takes."""
        by_id = {n.id: n for n in self.nodes}
        child_ids = {c for n in self.nodes for c in n.children}
        roots = [n.id for n in self.nodes if n.id not in child_ids]
        if len(roots) != 1:
            raise CriteriaError(
                f"`ahp.nodes` must form one tree with a single root; found roots {roots}."
            )

        def build(node_id: str, seen: tuple[str, ...]) -> dict[str, Any]:
            node = by_id[node_id]
            kids: dict[str, Any] = {}
            for c in node.children:
                if c in seen:
                    raise CriteriaError(f"`ahp.nodes` has a cycle through {c!r}.")
                kids[c] = build(c, (*seen, c)) if c in by_id else None
            return {"matrix": [list(r) for r in node.matrix], "children": kids}

        return build(roots[0], (roots[0],))


Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in", "missing", "present"]


class ScreeningRule(Frozen):
    """A hard rule applied before scoring; failing candidates are excluded, with a reason.

    Notes
    -----
    The four ``kind`` values:

    ``require``
        Keep a candidate only if ``column op value`` holds (a missing value fails).
    ``exclude``
        Exclude a candidate if ``column op value`` holds.
    ``max_per_group``
        At most ``max`` relationships per group (e.g. region): a candidate is excluded
        when its group (``column``) already holds ``max`` rows flagged truthy in
        ``occupied`` (e.g. an existing agreement).  The occupying rows themselves are
        not excluded by this rule.
    ``max_total``
        A cap on relationships (e.g. the program's cap of ten agreements): when
        ``max`` or more rows are flagged truthy in ``occupied``, every other
        candidate is excluded.
    """

    id: str = Field(pattern=_ID)
    description: str
    kind: Literal["require", "exclude", "max_per_group", "max_total"]
    column: str = ""
    op: Op = "=="
    value: Any = None
    occupied: str | None = None
    max: int = Field(default=1, ge=1)
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> ScreeningRule:
        if self.kind in ("max_per_group", "max_total") and not self.occupied:
            raise ValueError(
                f"a {self.kind!r} rule needs `occupied` (the column flagging existing relationships)"
            )
        if self.kind != "max_total" and not self.column:
            raise ValueError(f"a {self.kind!r} rule needs `column`")
        if (
            self.kind in ("require", "exclude")
            and self.op in ("in", "not in")
            and not isinstance(self.value, (list, tuple))
        ):
            raise ValueError(f"op {self.op!r} needs a list `value`; got {self.value!r}")
        return self


class CriteriaSet(Frozen):
    """A named, versioned set of criteria with weights and screening rules.

    Weights come from exactly one of: each criterion's ``weight``; ``ahp`` judgements over
    the criteria; or a named method (the file's top-level ``weights`` key, attribute
    :attr:`weight_method`) — ``"entropy"``, ``"critic"`` or ``"std"`` (objective weights
    computed by :func:`citymatch.objective_weights` from the candidates being ranked, so
    :func:`citymatch.rank` computes them and records them in the Ranking), ``"equal"``, or
    ``"roc"`` / ``"rank_sum"`` (:func:`citymatch.rank_weights` from ``criteria_order``, the
    criterion ids most important first).  :attr:`weights` are normalised to sum to 1.
    ``goals`` (and each criterion's ``goals``) name the policy's strategic goals the set
    serves (:attr:`served_goals`).
    """

    model_config = ConfigDict(populate_by_name=True)

    format_version: Literal[1] = 1
    name: str = Field(pattern=_ID)
    title: str
    version: str
    description: str = ""
    source: str = ""
    implements: tuple[str, ...] = ()
    weights_note: str = ""
    applies_to: tuple[str, ...] | None = None
    goals: tuple[str, ...] = Field(default=(), description="Policy goal ids the set serves.")
    normalization: Literal["vector", "minmax", "max", "sum"] = "vector"
    method: str = "topsis"
    method_options: dict[str, Any] = Field(default_factory=dict)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    ahp: AHPSpec | None = None
    weight_method: Literal["entropy", "critic", "std", "equal", "roc", "rank_sum"] | None = Field(
        default=None,
        alias="weights",
        description="Named weights instead of per-criterion weights or AHP judgements.",
    )
    criteria_order: tuple[str, ...] | None = Field(
        default=None, description="Criterion ids, most important first (roc, rank_sum)."
    )
    weight_origin: str = Field(default="", description="Where direct weights were computed.")
    screening: tuple[ScreeningRule, ...] = ()

    @field_validator("weight_method", mode="before")
    @classmethod
    def _known_method(cls, v: Any) -> Any:
        if v is None:
            return v
        key = str(v).strip().lower().replace("-", "_") if isinstance(v, str) else v
        if key not in NAMED_WEIGHTS:
            raise ValueError(
                f"`weights` must name one of {', '.join(map(repr, NAMED_WEIGHTS))} "
                "(or give a `weight` per criterion, or `ahp` judgements)"
            )
        return key

    @model_validator(mode="after")
    def _consistent(self) -> CriteriaSet:
        ids = [c.id for c in self.criteria]
        require_unique(ids, "criterion ids")
        from ..scoring.registry import check_options

        try:
            spec = check_options(self.method, self.method_options)  # the name and the keys
        except CitymatchError as err:  # a TypeError too: pydantic reports ValueErrors only
            raise ValueError(str(err)) from err
        try:  # the method's own rules on its option values, before any data
            check_options(spec.name, self.ranking_options(), self.types)
        except (CitymatchError, OverflowError) as err:
            raise ValueError(f"`method_options` for {spec.name}: {err}") from err
        rule_ids = [r.id for r in self.screening]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError(f"screening rule ids must be unique; got {rule_ids}")
        given = [c.weight is not None for c in self.criteria]
        self._check_named_weights(ids, given)
        if self.weight_method is not None:
            return self
        if self.ahp is None:
            if not all(given):
                missing = [c.id for c in self.criteria if c.weight is None]
                raise ValueError(
                    f"every criterion needs a `weight` when no `ahp` judgements are given; missing for {missing}"
                )
            if sum(c.weight or 0.0 for c in self.criteria) <= 0:
                raise ValueError("criterion weights must not all be zero")
        else:
            if any(given):
                raise ValueError(
                    "give weights either per criterion or as `ahp` judgements, not both "
                    f"(weights found on {[c.id for c in self.criteria if c.weight is not None]})"
                )
            from ..scoring.ahp import ahp_hierarchy

            leaves = [
                c
                for n in self.ahp.nodes
                for c in n.children
                if c not in {m.id for m in self.ahp.nodes}
            ]
            if sorted(leaves) != sorted(ids):
                raise ValueError(
                    "the leaves of `ahp.nodes` must be the criterion ids, each once; "
                    f"leaves {sorted(leaves)} vs criteria {sorted(ids)}"
                )
            res = ahp_hierarchy(
                self.ahp.tree(),
                method=self.ahp.method,
                ri=self.ahp.ri,
                threshold=self.ahp.threshold,
            )
            if res.max_cr > self.ahp.threshold:
                bad = {
                    k: round(float(v.cr), 4)
                    for k, v in res.local.items()
                    if v.cr > self.ahp.threshold
                }
                warnings.warn(
                    f"criteria set {self.name!r}: AHP judgements are not acceptably consistent "
                    f"(CR > {self.ahp.threshold:g} at {bad}); revise them before relying on the weights.",
                    InconsistentJudgementsWarning,
                    stacklevel=2,
                )
        return self

    def _check_named_weights(self, ids: list[str], given: list[bool]) -> None:
        method = self.weight_method
        if method is None:
            if self.criteria_order is not None:
                raise ValueError(
                    '`criteria_order` ranks the criteria for `weights = "roc"` or '
                    '`"rank_sum"`; add one of those, or remove `criteria_order`'
                )
            if self.weight_origin and self.ahp is not None:
                raise ValueError("`weight_origin` describes direct weights, not `ahp` judgements")
            return
        if self.ahp is not None:
            raise ValueError(
                f"give weights either as `ahp` judgements or as `weights = {method!r}` "
                "(computed), not both"
            )
        if any(given):
            raise ValueError(
                f"give weights either per criterion or as `weights = {method!r}` (computed), "
                f"not both (weights found on {[c.id for c in self.criteria if c.weight is not None]})"
            )
        if self.weight_origin:
            raise ValueError("`weight_origin` describes direct weights; remove it")
        if method not in ("roc", "rank_sum"):
            if self.criteria_order is not None:
                raise ValueError(
                    f'`criteria_order` is used by `weights = "roc"` or `"rank_sum"`, '
                    f"not {method!r}; remove it"
                )
            return
        order = list(self.criteria_order or ())
        missing = [i for i in ids if i not in order]
        unknown = [i for i in order if i not in ids]
        twice = repeated(order)
        if missing or unknown or twice:
            raise ValueError(
                f"`criteria_order` must name every criterion id once, most important first "
                f"(weights = {method!r}); missing {missing}, unknown {unknown}, "
                f"repeated {twice}"
            )

    # ---- derived values -------------------------------------------------------------
    @property
    def served_goals(self) -> tuple[str, ...]:
        """The goal ids the set and its criteria name, the set's first, each once."""
        return tuple(dict.fromkeys([*self.goals, *(g for c in self.criteria for g in c.goals)]))

    @property
    def ids(self) -> tuple[str, ...]:
        """Criterion ids in order."""
        return tuple(c.id for c in self.criteria)

    @property
    def columns(self) -> tuple[str, ...]:
        """Candidate-table columns read, in criterion order."""
        return tuple(c.column for c in self.criteria)

    def ranking_options(self) -> dict[str, Any]:
        """The method options as a ranking uses them, before any data.

        For TOPSIS, fixed points given by criterion id become values in criterion order
        (NaN: from the data), and the set's ``normalization`` applies unless the options set
        their own.  Other methods' options as written.
        """
        from ..scoring.registry import method_spec

        options = dict(self.method_options)
        if method_spec(self.method).name == "TOPSIS":
            for key in ("ideal", "anti_ideal"):
                if key in options:
                    options[key] = point_by_id(options[key], self.ids, name=key)
            options.setdefault("normalization", self.normalization)
        return options

    @property
    def types(self) -> NDArray[np.int8]:
        """``+1`` / ``-1`` per criterion (a new array)."""
        return np.array([c.sign for c in self.criteria], dtype=np.int8)

    def ahp_result(self) -> Any:
        """The :class:`~citymatch.scoring.ahp.HierarchyResult` behind the weights, or None."""
        return self._hierarchy

    @cached_property
    def _hierarchy(self) -> Any:
        # Computed once per (immutable) set: weights and weight_source read it often.
        if self.ahp is None:
            return None
        from ..scoring.ahp import ahp_hierarchy

        return ahp_hierarchy(
            self.ahp.tree(), method=self.ahp.method, ri=self.ahp.ri, threshold=self.ahp.threshold
        )

    @property
    def needs_data(self) -> bool:
        """Whether the weights are computed from the candidates (entropy, CRITIC, std)."""
        return self.weight_method in DATA_WEIGHTS

    @property
    def weights(self) -> NDArray[np.float64]:
        """Weights in criterion order, summing to 1 (a new array).

        A set whose weights come from the data (:attr:`needs_data`) has none until it
        meets the candidates: :func:`citymatch.rank` computes them (see
        :meth:`resolved`); anywhere else this raises :class:`CriteriaError`.
        """
        from ..scoring.objective import rank_weights

        method = self.weight_method
        if method in DATA_WEIGHTS:
            raise CriteriaError(
                f"criteria set {self.name!r} computes its weights from the data being ranked "
                f"(weights = {method!r}); `citymatch.rank()` does so for the candidates it "
                "ranks; elsewhere pass weights explicitly, e.g. "
                "`cs.resolved(matrix)` or `cs.with_weights(...)`."
            )
        if method == "equal":
            w = np.ones(len(self.criteria))
        elif method in ("roc", "rank_sum"):
            order = list(self.criteria_order or ())
            places = [order.index(i) + 1 for i in self.ids]
            w = np.asarray(rank_weights(places, method=method), dtype=np.float64)
        elif self.ahp is None:
            w = np.array([c.weight for c in self.criteria], dtype=np.float64)
        else:
            glob = self.ahp_result().weights
            w = np.array([glob[i] for i in self.ids], dtype=np.float64)
        out: NDArray[np.float64] = w / w.sum()
        return out

    def resolved(self, matrix: Any, *, what: str = "the candidates ranked") -> CriteriaSet:
        """The set with weights computed from ``matrix`` (N × M) if :attr:`needs_data`, else itself.

        The copy has direct weights and ``weight_origin`` saying how they were computed
        (e.g. ``"entropy (objective), computed from the 42 candidates ranked"``), so a
        Ranking, a service response or a decision record names them.
        """
        if not self.needs_data:
            return self
        from ..scoring.objective import ObjectiveMethod, objective_weights

        how = cast("ObjectiveMethod", self.weight_method)
        try:
            w = objective_weights(matrix, self.types, method=how)
        except CitymatchValueError as exc:
            raise CriteriaError(
                f"criteria set {self.name!r} (weights = {how!r}) cannot compute its weights "
                f"from {what} (columns {list(self.ids)}): {exc}"
            ) from exc
        return self.with_weights(
            list(np.asarray(w, dtype=np.float64)),
            origin=f"{self.weight_method} (objective), computed from {what}",
        )

    @property
    def weight_source(self) -> str:
        """Where the weights come from: ``"direct"``, ``"AHP (eigenvector, …)"``, ``"roc from …"``."""
        method = self.weight_method
        if method in DATA_WEIGHTS:
            return f"{method} (objective; computed from the candidates being ranked)"
        if method in ("roc", "rank_sum"):
            return f"{method} from criteria_order ({' > '.join(self.criteria_order or ())})"
        if method == "equal":
            return "equal (1/M)"
        if self.ahp is None:
            return self.weight_origin or "direct"
        res = self.ahp_result()
        return f"AHP ({self.ahp.method}, max CR {res.max_cr:.3f}, RI {self.ahp.ri})"

    def with_weights(self, weights: Mapping[str, float] | Any, *, origin: str = "") -> CriteriaSet:
        """A copy with direct weights (id → weight, or a sequence); AHP, named weights dropped.

        ``origin`` (optional) records where the weights came from (:attr:`weight_source`).
        """
        if isinstance(weights, Mapping):
            unknown = sorted(set(weights) - set(self.ids))
            missing = sorted(set(self.ids) - set(weights))
            if unknown or missing:
                raise CriteriaError(
                    f"`weights` must give one weight per criterion id; unknown {unknown}, missing {missing}."
                )
            values = [float(weights[i]) for i in self.ids]
        else:
            values = [float(v) for v in weights]
            if len(values) != len(self.ids):
                raise CriteriaError(
                    f"`weights` must have {len(self.ids)} elements (one per criterion); got {len(values)}."
                )
        data = self.model_dump()
        data["ahp"] = None
        data["weight_method"] = None
        data["criteria_order"] = None
        data["weight_origin"] = origin
        for c, v in zip(data["criteria"], values, strict=True):
            c["weight"] = v
        return validate_model(
            CriteriaSet, data, where=f"`weights` for {self.name!r}", error=CriteriaError
        )

    def to_json(self) -> str:
        """JSON text (round-trips through :meth:`from_json`)."""
        return self.model_dump_json(indent=2, by_alias=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> CriteriaSet:
        """Parse and validate JSON text."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise CriteriaError(format_validation_error(exc, "criteria JSON")) from exc

    def __repr__(self) -> str:
        if self.needs_data:
            parts = ", ".join(self.ids)
        else:
            parts = ", ".join(
                f"{c.id}={w:.3f}" for c, w in zip(self.criteria, self.weights, strict=True)
            )
        return f"CriteriaSet({self.name!r} v{self.version}: {parts}; weights {self.weight_source})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        import pandas as pd

        from .._display import html_table

        frame = pd.DataFrame(
            {
                "label": [c.label for c in self.criteria],
                "column": list(self.columns),
                "direction": [c.direction for c in self.criteria],
                "weight": np.full(len(self.ids), np.nan) if self.needs_data else self.weights,
                "unit": [c.unit for c in self.criteria],
            },
            index=pd.Index(self.ids, name="criterion"),
        )
        return html_table(
            frame, f"{self.title} · v{self.version} · weights {self.weight_source}", 50
        )


def _builtin_dir() -> Any:
    pkg = resources.files("citymatch").joinpath("criteria")
    if pkg.is_dir():
        return pkg
    # Source checkout without an install: the repo-root folder.
    return Path(__file__).resolve().parents[3] / "criteria"


def list_criteria() -> list[str]:
    """Names of the criteria sets shipped with citymatch."""
    return sorted(
        p.name[: -len(".toml")] for p in _builtin_dir().iterdir() if p.name.endswith(".toml")
    )


def _parse_file(path: Path) -> CriteriaSet:
    where = f"criteria file {str(path)!r}"
    data = read_document(path, where=where, error=CriteriaFileError)
    try:
        return validate_model(CriteriaSet, data, where=where, error=CriteriaFileError)
    except CriteriaFileError:
        raise
    except CriteriaError as exc:  # a rule checked outside pydantic's validators
        raise CriteriaFileError(f"{where}: {exc}") from exc


def load_criteria(criteria: str | os.PathLike[str] | CriteriaSet) -> CriteriaSet:
    """Load a criteria set by shipped name, or from a TOML/JSON path.

    Parameters
    ----------
    criteria : str, Path or CriteriaSet
        A shipped set's name (see :func:`list_criteria`), e.g. ``"partnership-city"``,
        or a path to a ``.toml`` / ``.json`` file.  A CriteriaSet is returned as is.

    Raises
    ------
    CriteriaFileError
        The file is missing, not valid TOML/JSON, or breaks a rule; the message names
        the file and the key (e.g. ``criteria[2].wieght: Extra inputs are not permitted``).
    CriteriaError
        An unknown set name.

    Examples
    --------
    >>> import citymatch
    >>> cs = citymatch.load_criteria("partnership-city")
    >>> round(float(cs.weights.sum()), 12)
    1.0
    """
    if isinstance(criteria, CriteriaSet):
        return criteria
    if isinstance(criteria, Path) or (
        isinstance(criteria, str)
        and (criteria.endswith((".toml", ".json")) or "/" in criteria or "\\" in criteria)
    ):
        return _parse_file(Path(criteria))
    if not isinstance(criteria, str):
        raise CriteriaError(
            f"`criteria` must be a set name, a path or a CriteriaSet; got {type(criteria).__name__}."
        )
    names = list_criteria()
    if criteria not in names:
        raise CriteriaError(
            f"`criteria` names no shipped set; got {criteria!r}; available: {names}."
        )
    return _load_shipped(criteria)


@cache
def _load_shipped(criteria: str) -> CriteriaSet:
    """A shipped set, parsed once per process (sets are immutable)."""
    res = _builtin_dir().joinpath(f"{criteria}.toml")
    text = res.read_text("utf-8")
    where = f"shipped criteria set {criteria!r}"
    return validate_model(CriteriaSet, tomllib.loads(text), where=where, error=CriteriaFileError)
