"""Published TOPSIS worked examples, reproduced at their stated tolerances."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from helpers import load_ref


def _run(case: dict, normalization: str):
    inp = case["inputs"]
    return citymatch.topsis(
        inp["matrix"], inp["weights"], inp["types"], normalization=normalization
    )


def test_tzeng_huang_2011():
    """Tzeng & Huang (2011), *Multiple Attribute Decision Making: Methods and Applications*,
    CRC Press, TOPSIS numerical example (as asserted in scikit-criteria's
    test_TOPSIS_tzeng2011multiple). Vector normalisation; closeness to 4 dp."""
    case = load_ref("topsis_tzeng_huang_2011")
    res = _run(case, "vector")
    tol = case["tolerance"]["closeness"]
    np.testing.assert_allclose(res.scores, case["published"]["closeness"], rtol=0, atol=tol)
    order = [case["inputs"]["alternatives"][i] for i in np.argsort(-res.scores)]
    assert order == case["published"]["ranking"]


def test_roszkowska_2011_negotiation():
    """Roszkowska (2011), Multiple Criteria Decision Making 6, 200-230, crisp example
    (individual 1): closeness and both separation measures to 6 dp, vector normalisation,
    one cost criterion."""
    case = load_ref("topsis_roszkowska_2011_negotiation")
    res = _run(case, "vector")
    pub, tol = case["published"], case["tolerance"]
    np.testing.assert_allclose(res.scores, pub["closeness"], rtol=0, atol=tol["closeness"])
    np.testing.assert_allclose(
        res.d_ideal, pub["separation_ideal"], rtol=0, atol=tol["separation_ideal"]
    )
    np.testing.assert_allclose(
        res.d_anti_ideal, pub["separation_anti_ideal"], rtol=0, atol=tol["separation_anti_ideal"]
    )
    order = [case["inputs"]["alternatives"][i] for i in np.argsort(-res.scores)]
    assert order == pub["ranking"]


def test_pymcdm_readme_minmax():
    """pymcdm README small example (Kizielewicz, Shekhovtsov & Sałabun 2023, SoftwareX 22:101368):
    min-max normalisation with a cost criterion oriented once; closeness to 3 dp and ranks."""
    case = load_ref("topsis_pymcdm_readme_minmax")
    res = _run(case, "minmax")
    np.testing.assert_allclose(
        res.scores, case["published"]["closeness"], rtol=0, atol=case["tolerance"]["closeness"]
    )
    assert res.ranks.tolist() == case["published"]["ranks"]


def test_pymcdm_readme_minmax_is_not_vector():
    """The same data under vector normalisation must NOT reproduce the min-max numbers:
    guards against silently ignoring the `normalization` option."""
    case = load_ref("topsis_pymcdm_readme_minmax")
    res = _run(case, "vector")
    assert (
        np.max(np.abs(res.scores - case["published"]["closeness"]))
        > 10 * case["tolerance"]["closeness"]
    )


@pytest.mark.parametrize("normalization", ["minmax", "max", "vector"])
def test_weighted_ideal_matches_textbook_tables(normalization):
    """weighted_ideal / weighted_anti_ideal are the v⁺/v⁻ rows of the textbook tables:
    the column max/min of the weighted normalised matrix (oriented for min-max)."""
    case = load_ref("topsis_roszkowska_2011_negotiation")
    inp = case["inputs"]
    res = _run(case, normalization)
    x = np.asarray(inp["matrix"], float)
    v = res.normalize(x) * res.weights
    benefit = res.types > 0
    if normalization == "minmax":
        exp_plus, exp_minus = v.max(0), v.min(0)
    else:
        exp_plus = np.where(benefit, v.max(0), v.min(0))
        exp_minus = np.where(benefit, v.min(0), v.max(0))
    np.testing.assert_allclose(res.weighted_ideal, exp_plus, atol=1e-15)
    np.testing.assert_allclose(res.weighted_anti_ideal, exp_minus, atol=1e-15)
    d_plus = np.sqrt(((v - exp_plus) ** 2).sum(1))
    np.testing.assert_allclose(res.d_ideal, d_plus, rtol=1e-12)
