"""matchms Spectrum objects in and out (optional extra; skipped cleanly without matchms)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

matchms = pytest.importorskip("matchms")

DATA = Path(__file__).resolve().parents[1] / "data" / "gcms"


def test_library_round_trip_through_matchms() -> None:
    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.matchms_io import from_matchms, to_matchms

    tol = load_builtin().find("Toluene")
    s = to_matchms(tol)
    assert isinstance(s, matchms.Spectrum)
    assert s.get("compound_name") == "Toluene" and s.get("retention_index") == pytest.approx(tol.ri)
    back = from_matchms(s)
    np.testing.assert_allclose(back.mz, tol.mz)
    # matchms scales to a base peak of 1; the ratios are kept
    np.testing.assert_allclose(back.intensity / back.intensity.max(), tol.intensity / tol.intensity.max())


def test_identify_run_accepts_and_returns_matchms_spectra() -> None:
    from cellworks.gcms.identification import identify_run
    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.matchms_io import components_to_matchms, to_matchms
    from cellworks.gcms.readers import read_run

    run = read_run(DATA / "agilent-gcms-gasoline.cdf")
    lib = [to_matchms(s) for s in load_builtin() if s.name in ("Toluene", "Benzene", "Ethylbenzene")]
    rep = identify_run(run, lib, t_range_s=(120.0, 420.0))
    names = {c["name"] for c in rep["components"] if c["identified"]}
    assert {"Toluene", "Benzene", "Ethylbenzene"} <= names
    out = components_to_matchms(rep, identified_only=True)
    assert all(isinstance(s, matchms.Spectrum) for s in out)
    assert {s.get("compound_name") for s in out} == names
