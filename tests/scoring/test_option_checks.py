"""A method's option check before any data (``MethodSpec.check``) refuses exactly what the
method itself refuses, with the same message (a criteria set checks its options on load)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citymatch._validate import point_by_id
from citymatch.errors import CitymatchError
from citymatch.scoring.registry import METHODS, check_options

X = np.array([[3.0, 2.0, 7.0], [5.0, 4.0, 1.0], [1.0, 9.0, 4.0], [8.0, 1.0, 6.0]])
W = np.array([0.5, 0.3, 0.2])
T = np.array([1, -1, 1])

_number = st.one_of(
    st.floats(-1.0, 12.0, allow_nan=False), st.just(float("nan")), st.just("half"), st.none()
)
_point = st.one_of(
    st.none(),
    st.lists(st.sampled_from([0.0, 1.0, 5.0, 9.0, np.nan]), min_size=3, max_size=3),
    st.lists(st.floats(-1.0, 12.0), min_size=2, max_size=4),
    st.dictionaries(st.sampled_from(["a", "b"]), st.floats(-1.0, 12.0), max_size=2),
)
_bounds = st.one_of(
    st.none(),
    st.lists(st.tuples(st.floats(-1.0, 12.0), st.floats(-1.0, 12.0)), min_size=2, max_size=4),
)
_OPTIONS = {
    "TOPSIS": st.fixed_dictionaries(
        {},
        optional={
            "normalization": st.sampled_from(["vector", "minmax", "max", "sum", "l3"]),
            "ideal": _point,
            "anti_ideal": _point,
        },
    ),
    "VIKOR": st.fixed_dictionaries({}, optional={"v": _number}),
    "PROMETHEE_II": st.fixed_dictionaries(
        {},
        optional={
            "preference": st.one_of(
                st.sampled_from(
                    ["usual", "u-shape", "v-shape", "level", "linear", "gaussian", "x"]
                ),
                st.lists(st.sampled_from(["usual", "linear", "gaussian", "v-shape"]), max_size=4),
            ),
            "q": st.one_of(_number, st.lists(st.floats(-1.0, 5.0), min_size=2, max_size=4)),
            "p": st.one_of(_number, st.lists(st.floats(-1.0, 5.0), min_size=2, max_size=4)),
            "s": _number,
        },
    ),
    "WSM": st.fixed_dictionaries(
        {}, optional={"normalization": st.sampled_from(["max", "sum", "minmax", "vector"])}
    ),
    "WPM": st.fixed_dictionaries(
        {}, optional={"normalization": st.sampled_from(["max", "sum", "minmax", "vector"])}
    ),
    "WASPAS": st.fixed_dictionaries(
        {},
        optional={
            "lam": _number,
            "normalization": st.sampled_from(["max", "sum", "minmax", "vector"]),
        },
    ),
    "SPOTIS": st.fixed_dictionaries({}, optional={"bounds": _bounds, "ideal": _point}),
    "COPRAS": st.just({}),
    "MABAC": st.just({}),
}


def _outcome(fn):
    try:
        fn()
    except CitymatchError as err:
        return str(err)
    return None


def _data_rule(message: str, options: dict) -> bool:
    """Refusals that need the data (so no check before it can make them): the matrix's own
    cells, SPOTIS's ideal against the observed range when no bounds are given, or TOPSIS's one
    fixed point against the other (or its NaN entries) taken from the data."""
    observed = "within `bounds`" in message and "bounds" not in options
    full = [
        np.isfinite(np.asarray(options.get(k, np.nan), float)).all()
        for k in ("ideal", "anti_ideal")
    ]
    one_point = "at least as good" in message and not all(full)
    return "`matrix`" in message or observed or one_point


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_check_refuses_what_the_method_refuses(data):
    name = data.draw(st.sampled_from(sorted(METHODS)))
    options = {k: v for k, v in data.draw(_OPTIONS[name]).items() if v is not None}
    spec = METHODS[name]
    resolved = {  # as a criteria set (criteria a, b, c) resolves points given by id
        k: point_by_id(v, ("a", "b", "c"), name=k) if k in ("ideal", "anti_ideal") else v
        for k, v in options.items()
    }
    before = _outcome(lambda: check_options(name, resolved, T))
    by_id = [k for k in ("ideal", "anti_ideal") if isinstance(options.get(k), dict)]
    if name == "SPOTIS" and by_id:  # only TOPSIS's points may be given by criterion id
        assert before is not None
        return
    during = _outcome(lambda: spec.function(X, W, T, **resolved))
    if before is not None:  # the same refusal (a data rule the method meets first aside)
        assert during == before or (during is not None and _data_rule(during, resolved)), (
            name,
            options,
        )
    elif during is not None:
        assert _data_rule(during, resolved), (name, options, during)
