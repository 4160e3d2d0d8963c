"""Identity match factor on hand-worked spectrum pairs (REFERENCE.md §3 formula).

Each expected value below was worked on paper from the formula; intensities are perfect squares
so that every sqrt is an integer. W = sqrt(I) * sqrt(m); w = sqrt(I);
F_D = (sum W_L W_U)^2 / (sum W_L^2 * sum W_U^2); over common peaks c_1 < ... < c_n,
R_i = (w_L,i * w_U,i-1) / (w_L,i-1 * w_U,i), F_R = sum min(R_i, 1/R_i) c_i / sum c_i;
MF = (a F_D + b F_R)/(a + b), a = peaks of the unknown, b = common peaks; score int(1000 MF).
Tolerance: +-1 score unit, as the issue asks (the paper arithmetic is rounded to 6 digits).
"""

from __future__ import annotations

import numpy as np
import pytest

from cellworks.gcms.scores import (
    match_factor,
    match_factor_float,
    reverse_match_factor,
    to_score,
    weighted_cosine,
)


def test_pair_1_two_common_peaks() -> None:
    # U = {50: 100, 51: 36, 52: 4}; L = {50: 100, 51: 64, 53: 9}
    # sum W_L W_U = 10*10*50 + 6*8*51 = 5000 + 2448 = 7448
    # sum W_U^2 = 100*50 + 36*51 + 4*52 = 5000 + 1836 + 208 = 7044
    # sum W_L^2 = 100*50 + 64*51 + 9*53 = 5000 + 3264 + 477 = 8741
    # F_D = 7448^2 / (7044 * 8741) = 55 472 704 / 61 571 604 = 0.900947
    # common 50, 51: R = (8*10)/(10*6) = 1.3333 -> min = 0.75; F_R = 0.75*51/51 = 0.75
    # a = 3, b = 2: MF = (3*0.900947 + 2*0.75)/5 = 4.202841/5 = 0.840568 -> 840
    mf = match_factor([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9])
    assert abs(mf - 840) <= 1
    assert match_factor_float([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9]) == pytest.approx(0.840568, abs=2e-6)


def test_pair_2_three_common_peaks_mass_weighted_ratios() -> None:
    # U = {40: 16, 41: 100, 43: 64}; L = {40: 25, 41: 100, 43: 49, 44: 4}
    # sum W_U^2 = 16*40 + 100*41 + 64*43 = 640 + 4100 + 2752 = 7492
    # sum W_L^2 = 25*40 + 100*41 + 49*43 + 4*44 = 1000 + 4100 + 2107 + 176 = 7383
    # sum W_L W_U = 4*5*40 + 10*10*41 + 8*7*43 = 800 + 4100 + 2408 = 7308
    # F_D = 7308^2/(7492*7383) = 53 406 864 / 55 313 436 = 0.965532
    # R_41 = (10*4)/(5*10) = 0.8; R_43 = (7*10)/(10*8) = 0.875
    # F_R = (0.8*41 + 0.875*43)/(41 + 43) = 70.425/84 = 0.838393
    # a = 3, b = 3: MF = (0.965532 + 0.838393)/2 = 0.901962 -> 901
    assert abs(match_factor([40, 41, 43], [16, 100, 64], [40, 41, 43, 44], [25, 100, 49, 4]) - 901) <= 1


def test_pair_3_identical_is_capped_at_999_and_disjoint_is_zero() -> None:
    # identical: F_D = 1, every R = 1 -> MF = 1 -> int(1000) capped at 999
    assert match_factor([91, 92, 65], [999, 690, 150], [91, 92, 65], [999, 690, 150]) == 999
    # no common peak: sum W_L W_U = 0 -> F_D = 0, b = 0 -> 0
    assert match_factor([91, 92], [10, 5], [43, 57], [10, 5]) == 0


def test_pair_4_one_common_peak_has_no_ratio_term() -> None:
    # U = {28: 100, 32: 25}; L = {28: 100}
    # sum W_L W_U = 10*10*28 = 2800; sum W_U^2 = 2800 + 25*32 = 3600; sum W_L^2 = 2800
    # F_D = 2800^2/(3600*2800) = 2800/3600 = 0.777778; one common peak: MF = F_D -> 777
    assert abs(match_factor([28, 32], [100, 25], [28], [100]) - 777) <= 1


def test_reverse_mf_ignores_unknown_peaks_absent_from_library() -> None:
    # pair 1 without the unknown's m/z 52: sum W_U^2 = 5000 + 1836 = 6836
    # F_D = 55 472 704 / (6836*8741 = 59 753 476) = 0.928358; a = 2, b = 2, F_R = 0.75
    # MF = (0.928358 + 0.75)/2 = 0.839179 -> 839
    assert abs(reverse_match_factor([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9]) - 839) <= 1


def test_weighted_cosine_and_scale_invariance() -> None:
    # cosine of pair 1 = 7448 / sqrt(7044*8741) = 7448/7846.76 = 0.949182
    assert weighted_cosine([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9]) == pytest.approx(0.949182, abs=2e-6)
    # MF is invariant to scaling either spectrum (every term is a ratio)
    a = match_factor_float([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9])
    b = match_factor_float([50, 51, 52], [1000, 360, 40], [50, 51, 53], [1, 0.64, 0.09])
    assert a == pytest.approx(b, rel=1e-12)


def test_non_integer_mz_is_binned_to_nominal_mass() -> None:
    # 43.1 and 57.2 (quadrupole centroids) are nominal 43 and 57
    assert match_factor(np.array([43.1, 57.2]), [100, 50], [43, 57], [100, 50]) == 999


def test_to_score_rounding() -> None:
    assert to_score(0.8405) == 840 and to_score(1.2) == 999 and to_score(float("nan")) == 0
