"""Physical constants used across cellworks (CODATA 2018 exact or recommended values)."""

from __future__ import annotations

FARADAY_C_PER_MOL = 96485.33212  # F = N_A·e, exact since the 2019 SI redefinition
GAS_CONSTANT_J_PER_MOL_K = 8.314462618  # R = N_A·k_B, exact
ZERO_CELSIUS_K = 273.15
