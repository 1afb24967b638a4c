"""Published objective-weight examples (standard deviation, entropy), reproduced by
`citymatch.objective_weights` and by a criteria set that names the method.

Conventions: `std` is the standard deviation of the min-max columns (Mukhametzyanov 2021,
Sec. 2.3); `entropy` takes shares of the raw column totals (direction ignored), as in
Zavadskas et al. (2017). No convention differs from the sources; one source mislabels its rows
(see the entropy test).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import citymatch
from helpers import load_ref


def _named_set(criteria: list[str], types: list[str], method: str) -> citymatch.CriteriaSet:
    return citymatch.CriteriaSet(
        name="ref",
        title="reference",
        version="1",
        weights=method,
        criteria=[
            {"id": c, "label": c, "direction": t} for c, t in zip(criteria, types, strict=True)
        ],
    )


@pytest.mark.parametrize("dm", ["DM-1", "DM-2"])
def test_mukhametzyanov_2021_sd_weights(dm):
    """Mukhametzyanov (2021) DMAME 4(2):76-105, Table 2 'SD' block: the printed weights of
    both decision matrices (3 dp) from one `objective_weights(..., method="std")` call."""
    case = load_ref("objective_std_mukhametzyanov_2021")
    inp = case["inputs"]
    w = citymatch.objective_weights(inp[dm], inp["types"], method="std")
    np.testing.assert_allclose(
        w, case["published"][dm]["weights"], rtol=0, atol=case["tolerance"]["weights"]
    )


def test_mukhametzyanov_2021_sd_sigmas():
    """Table 4 row 'Max-Min': the sample standard deviations of DM-1's min-max columns, which
    the weights are proportional to (computed here from the definition, 3 dp)."""
    case = load_ref("objective_std_mukhametzyanov_2021")
    x = np.asarray(case["inputs"]["DM-1"], float)
    z = (x - x.min(0)) / (x.max(0) - x.min(0))
    sigma = z.std(axis=0, ddof=1)
    pub = case["published"]["DM-1"]
    np.testing.assert_allclose(sigma, pub["sigma_minmax"], rtol=0, atol=5e-4)
    w = citymatch.objective_weights(x, case["inputs"]["types"], method="std")
    np.testing.assert_allclose(w, sigma / sigma.sum(), rtol=0, atol=1e-12)


def test_mukhametzyanov_2021_sd_through_a_criteria_set():
    """A set with `weights = "std"` ranked by `citymatch.rank`: `Ranking.weights` are the
    published DM-1 weights, computed from the candidates ranked."""
    case = load_ref("objective_std_mukhametzyanov_2021")
    inp = case["inputs"]
    cs = _named_set(inp["criteria"], inp["types"], "std")
    frame = pd.DataFrame(inp["DM-1"], columns=inp["criteria"])
    frame.insert(0, "id", [f"A{i + 1}" for i in range(len(frame))])
    r = citymatch.rank(frame, cs)
    np.testing.assert_allclose(
        r.weights.loc[inp["criteria"]].to_numpy(),
        case["published"]["DM-1"]["weights"],
        rtol=0,
        atol=case["tolerance"]["weights"],
    )
    assert r.weights_source == "std (objective), computed from the 8 candidates ranked"


def test_zavadskas_2017_entropy_weights_with_the_papers_row_labels_corrected():
    """Zavadskas et al. (2017) Sustainability 9:702, Table 8 'Entropy' (4 dp): the printed
    values are citymatch's entropy weights of Table 4, printed against permuted criteria
    (a label error in the paper); exactly one assignment of the printed values fits."""
    case = load_ref("objective_entropy_zavadskas_2017")
    inp, pub = case["inputs"], case["published"]
    tol = case["tolerance"]["weights"]
    w = np.asarray(citymatch.objective_weights(inp["matrix"], method="entropy"))
    printed = np.asarray(pub["weights_as_printed"])
    np.testing.assert_allclose(w[pub["printed_row_k_is_criterion"]], printed, rtol=0, atol=tol)
    fits = [
        perm
        for perm in itertools.permutations(range(len(w)))
        if np.max(np.abs(w[list(perm)] - printed)) <= tol
    ]
    assert fits == [tuple(pub["printed_row_k_is_criterion"])]


def test_zavadskas_2017_entropy_through_a_criteria_set():
    """The same weights from a set with `weights = "entropy"` ranking the 21 neighbourhoods."""
    case = load_ref("objective_entropy_zavadskas_2017")
    inp, pub = case["inputs"], case["published"]
    cs = _named_set(inp["criteria"], inp["types"], "entropy")
    frame = pd.DataFrame(inp["matrix"], columns=inp["criteria"])
    frame.insert(0, "id", inp["alternatives"])
    r = citymatch.rank(frame, cs)
    w = r.weights.loc[inp["criteria"]].to_numpy()
    np.testing.assert_allclose(
        w[pub["printed_row_k_is_criterion"]],
        pub["weights_as_printed"],
        rtol=0,
        atol=case["tolerance"]["weights"],
    )
