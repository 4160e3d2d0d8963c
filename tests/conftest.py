"""Shared pytest configuration."""

from __future__ import annotations

import os

# figures are rendered off-screen in every test
os.environ.setdefault("MPLBACKEND", "Agg")
