"""cellworks' own Neware decoders against NewareNDA (a test-only dependency): the same records and
values, and no NewareNDA at run time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.cycling.readers import read

DATA = Path(__file__).resolve().parents[1] / "data" / "cycling"


NEWARE_FILES = ["test.ndax", "test.nda", "Issue72_TestFile.nda", "neware_ndc14_aux_Unit27.ndax",
                 "neware_ndc16_aux_ZZZZZZZZTEST.ndax", "neware_ndc17_aux_TESTCELL0001.ndax",
                 "neware_pulse_2-1-6_61_trimmed.nda"]


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("name", NEWARE_FILES)
def test_own_neware_decoder_agrees_with_newarenda(name: str) -> None:
    """cellworks decodes every Neware layout itself; NewareNDA (a test-only dependency) is the
    cross-check: same records, values to NewareNDA's float32 (6e-8 relative)."""
    import logging

    NewareNDA = pytest.importorskip("NewareNDA")
    logging.getLogger("newarenda").setLevel(logging.CRITICAL)
    ours = read(DATA / name)
    assert "cellworks" in ours.meta.extra["decoder"]
    theirs = NewareNDA.read(str(DATA / name))
    a = ours.table
    assert len(a) == len(theirs)
    np.testing.assert_array_equal(a["instrument_record"], theirs["Index"].to_numpy())
    np.testing.assert_array_equal(a["cycle_index"], theirs["Cycle"].to_numpy())
    np.testing.assert_array_equal(a["step_index"], theirs["Step"].to_numpy())
    np.testing.assert_allclose(a["voltage_V"], theirs["Voltage"].to_numpy(float), rtol=2e-7, atol=1e-9)
    np.testing.assert_allclose(a["current_A"] * 1e3, theirs["Current(mA)"].to_numpy(float), rtol=2e-7, atol=1e-9)
    np.testing.assert_allclose(a["instrument_charge_capacity_Ah"] * 1e3,
                               np.abs(theirs["Charge_Capacity(mAh)"].to_numpy(float)), rtol=2e-7, atol=1e-9)


def test_reading_neware_never_imports_newarenda() -> None:
    import subprocess
    import sys

    code = ("import sys; from cellworks.cycling import read; "
            + "; ".join(f"read({str(DATA / n)!r})" for n in NEWARE_FILES)
            + "; print('NewareNDA' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
