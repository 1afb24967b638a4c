"""The service's array path: a rank request straight from its values to the scoring step.

A rank request that needs no table step beyond reading numbers is answered without pandas:
its criterion values become one float64 matrix, scored by the very step :func:`citymatch.rank`
uses (:func:`citymatch.rank.score_values`: objective weights, the method registry, TOPSIS and
its contributions, ranks and ties), and the rows of the answer are built by the one function
that builds them from a :class:`~citymatch.Ranking` too
(:func:`citymatch.service.contract.ranking_rows`).  The answer is identical to the table
path's, bit for bit (a property test compares the two on random requests).

A request takes this path exactly when (:func:`request_matrix` decides):

- **no screening** applies: ``screening`` is false, or the criteria set has neither
  screening rules nor ``applies_to`` kinds;
- **every value is a plain number**: each candidate has each criterion column as a JSON
  number — a float, or an integer of magnitude below 2⁶³; not a boolean, a string (even a
  numeric or Yes/No one) or null — finite, inside the criterion's ``range``, and 0 or 1 for
  a yes/no criterion.  So the missing-value policy has nothing to do, whatever ``missing``
  says;
- **plain labels**: ``id`` is absent from every candidate (the ids are then the positions)
  or is a string for every candidate, or an integer (magnitude below 2⁶³) for every
  candidate, with no id repeated; ``name`` and ``kind`` are strings or null where given.

Any other request goes the table path (pandas, :func:`citymatch.rank`), which gives the
answer — or the error, with the table path's own message — for it.  A failure of the
scoring step itself (a weight override naming an unknown criterion, a bad method option) is
the same error on both paths, from the same code.
"""

from __future__ import annotations

from operator import itemgetter
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic_core import to_json

from .contract import ROWS_ADAPTER, SCHEMA_VERSION, RankRequest, RankResponse, ranking_row_dicts

_orjson: ModuleType | None
try:  # the service's serialiser when installed (the `server` extra); see dumps()
    import orjson as _orjson
except ImportError:  # pragma: no cover - the server and test extras install it
    _orjson = None

if TYPE_CHECKING:
    from ..models.criteria import CriteriaSet

__all__ = ["INT_LIMIT", "dumps", "rank_fast", "rank_fast_json", "request_matrix"]

#: Integers (ids and values) of at least this magnitude go the table path (pandas keeps
#: them in object columns).
INT_LIMIT = 2**63


_NUMBERS = frozenset({float, int})


def _ints(values: list[Any]) -> list[Any]:
    return [v for v in values if type(v) is int]


def _plain_ints(values: list[Any]) -> bool:
    return all(type(v) is int and -INT_LIMIT < v < INT_LIMIT for v in values)


def _labels(rows: list[dict[str, Any]], key: str) -> list[Any] | None:
    """The ``name`` / ``kind`` of each row (None where absent), or None if one is not text."""
    values = [r.get(key) for r in rows]
    return values if all(v is None or type(v) is str for v in values) else None


def request_matrix(req: RankRequest, cs: CriteriaSet) -> NDArray[np.float64] | None:
    """The request's criterion values as an N × M float64 matrix, or None for the table path.

    None unless the request meets every condition of the module docstring (screening,
    values); the labels are checked by :func:`rank_fast`.
    """
    from ..candidates import is_binary

    if req.screening and (cs.screening or cs.applies_to):
        return None
    crit = cs.criteria
    columns = [c.column for c in crit]
    pick = itemgetter(*columns)  # one C call per candidate: its values, in criteria order
    try:
        picked = [pick(r) for r in req.candidates]
    except KeyError:  # a column absent: the missing-value policy decides (table path)
        return None
    # One tuple of N values per criterion (a single criterion's values are bare).
    cells = list(zip(*picked, strict=True)) if len(columns) > 1 else [tuple(picked)]
    flat = [v for col in cells for v in col]
    kinds = set(map(type, flat))  # exact types: bool, str, None and the rest go the table
    if not kinds <= _NUMBERS or (int in kinds and not _plain_ints(_ints(flat))):
        return None
    # Column-major, as the table path's matrix (pandas keeps one float block per table): the
    # kernels' sums then run in the same order, so the scores agree to the last bit.
    x = np.array(cells, dtype=np.float64).T
    if not np.isfinite(x).all():
        return None
    lo = np.array([-np.inf if c.range is None else c.range[0] for c in crit])
    hi = np.array([np.inf if c.range is None else c.range[1] for c in crit])
    if ((x < lo) | (x > hi)).any():
        return None
    binary = [j for j, c in enumerate(crit) if is_binary(c)]
    if binary and not ((x[:, binary] == 0.0) | (x[:, binary] == 1.0)).all():
        return None
    return x


def rank_fast(req: RankRequest, cs: CriteriaSet) -> RankResponse | None:
    """The answer to ``req`` by the array path, or None when the table path must answer.

    ``cs`` is the request's criteria set, resolved (by name or inline).
    """
    parts = _answer(req, cs)
    if parts is None:
        return None
    fields, rows = parts
    return RankResponse(**fields, ranking=ROWS_ADAPTER.validate_python(rows))


def rank_fast_json(req: RankRequest, cs: CriteriaSet) -> bytes | None:
    """:func:`rank_fast`'s answer as JSON bytes, without building the response models.

    The bytes equal ``rank_fast(req, cs).model_dump_json()`` (tested on random requests):
    the dicts hold exactly what the models dump to, in their field order, and :func:`dumps`
    writes pydantic-core's bytes for them.  The service's fast lane sends them; building and
    validating 100 row models would cost it about a sixth of its time.
    """
    parts = _answer(req, cs)
    if parts is None:
        return None
    fields, rows = parts
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for name in RankResponse.model_fields:  # the model's field order
        if name != "schema_version":
            doc[name] = rows if name == "ranking" else fields[name]
    return dumps(doc)


def dumps(doc: Any) -> bytes:
    """``doc`` (plain dicts, lists, str, int, float, None) as the JSON bytes pydantic-core writes.

    orjson (in the ``server`` extra) writes the same bytes as
    ``pydantic_core.to_json(doc, inf_nan_mode="null")`` — compact separators, the shortest
    round-trip float, non-finite floats as ``null``, non-ASCII text as UTF-8 — in about 40 % of
    its time (a rank of 100 candidates: 70 against 177 µs).  What orjson refuses (an integer
    beyond 64 bits, another type) and an environment without it get pydantic-core's bytes
    (text with a lone surrogate is refused by both; the contract's ``Text`` never lets one in).
    """
    if _orjson is not None:
        try:
            out: bytes = _orjson.dumps(doc)
            return out
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return to_json(doc, inf_nan_mode="null")


def _answer(
    req: RankRequest, cs: CriteriaSet
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The response's fields but the ranking, and the ranking's rows (plain), or None."""
    from .. import __version__
    from ..candidates import resolve_weights
    from ..rank import score_values
    from ..scoring.results import TopsisResult

    rows = req.candidates
    n = len(rows)
    if any("id" in r for r in rows):
        ids: list[Any] = [r.get("id") for r in rows]
        if not (all(type(i) is str for i in ids) or _plain_ints(ids)) or len(set(ids)) < n:
            return None
    else:
        ids = list(range(n))
    names, kinds = _labels(rows, "name"), _labels(rows, "kind")
    if names is None or kinds is None:
        return None
    x = request_matrix(req, cs)
    if x is None:
        return None
    scored = score_values(
        x,
        resolve_weights(cs, req.weights),
        normalization=req.normalization,
        method=req.method,
        method_options=req.method_options,
    )
    ranks = scored.columns["rank"]
    order = np.argsort(ranks, kind="stable")  # best first; ties keep input order (as rank())
    if req.top is not None:  # Ranking.top: rank ≤ top, ties at the cut all kept
        order = order[ranks[order] <= req.top]
    idx = order.tolist()  # Python ints: list indexing without numpy scalars
    columns: dict[str, Any] = {"id": [ids[i] for i in idx]}
    if any("name" in r for r in rows):
        columns["name"] = [names[i] for i in idx]
    if any("kind" in r for r in rows):
        columns["kind"] = [kinds[i] for i in idx]
    columns.update({k: v[order] for k, v in scored.columns.items()})
    used = scored.criteria
    fields: dict[str, Any] = {
        "criteria": used.name,
        "criteria_version": used.version,
        "weights": {str(k): float(v) for k, v in zip(used.ids, scored.weights, strict=True)},
        "weight_source": used.weight_source,
        "method": scored.method,
        "normalization": (
            scored.result.normalization if isinstance(scored.result, TopsisResult) else None
        ),
        "ranked": n,
        "excluded_count": 0,
        "excluded": [],
        "citymatch_version": __version__,
    }
    return fields, ranking_row_dicts(columns, len(order))
