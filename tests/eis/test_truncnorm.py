"""The exact-HMC sampler of a non-negative Gaussian, against scipy's truncated normal."""

import numpy as np
import pytest
from scipy.stats import truncnorm

from cellworks.eis.truncnorm import sample_nonnegative_gaussian


@pytest.mark.parametrize("mean, sd", [(1.0, 1.0), (-1.0, 1.0), (-3.0, 0.5)])
def test_one_dimension_matches_scipy_truncnorm(mean, sd):
    x = sample_nonnegative_gaussian(np.array([mean]), np.array([[sd * sd]]), np.array([0.5]), 8000, seed=1)
    a = -mean / sd
    # 8000 draws: standard error of the mean ≈ sd_trunc/√8000 ≈ 1 % of sd; allow 5 standard errors
    se = truncnorm.std(a, np.inf, loc=mean, scale=sd) / np.sqrt(8000)
    assert x.mean() == pytest.approx(truncnorm.mean(a, np.inf, loc=mean, scale=sd), abs=5 * se)
    assert np.all(x >= 0)


def test_correlated_pair_matches_rejection_sampling():
    mu = np.array([0.5, -0.5])
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    x = sample_nonnegative_gaussian(mu, cov, np.array([1.0, 0.1]), 6000, seed=2)
    ref = np.random.default_rng(0).multivariate_normal(mu, cov, 400000)
    ref = ref[(ref >= 0).all(axis=1)]
    # means within 0.05 (a few Monte-Carlo standard errors of 6000 correlated draws)
    assert np.allclose(x.mean(axis=0), ref.mean(axis=0), atol=0.05)
