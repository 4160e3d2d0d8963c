from functools import partial

import numpy as np
import pytest

from cellworks.eis.tasks import fit_series_file

from .conftest import DATA


def test_series_task_on_the_mj1_soc_series():
    # 36 spectra of the LG MJ1 anode (PyBOP example data); above 100 kHz the three-electrode set-up's
    # artefacts dominate, so the task crops there, as a user would
    task = partial(fit_series_file, circuit="R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", f_max_Hz=1e5, n_starts_each=1)
    table = task(DATA / "18650_LG_3500_MJ1_EIS_anode_discharge.parquet")
    assert len(table) == 36 and set(table["file"]) == {"18650_LG_3500_MJ1_EIS_anode_discharge.parquet"}
    assert list(table["label"][:3]) == ["1", "2", "3"] and table["label"].iloc[-1] == "0"
    # every spectrum got a fit (a failed one would say so in status)
    assert table["status"].str.startswith("fitted").all()
    # physics: every element after R0 has Re Z >= 0 (CPE exponents <= 1), so R0 cannot exceed Re Z at the
    # highest frequency used (2 %: the fit's residual there)
    from cellworks.eis.readers import read_spectrum, split_spectra

    spec = read_spectrum(DATA / "18650_LG_3500_MJ1_EIS_anode_discharge.parquet")
    re_hf = [s.Z_Ohm.real[s.freq_Hz <= 1e5][s.freq_Hz[s.freq_Hz <= 1e5].argmax()] for _, s in split_spectra(spec)]
    assert (table["R0"].to_numpy() <= 1.02 * np.array(re_hf)).all()


def test_series_task_refuses_an_empty_band():
    with pytest.raises(ValueError, match="fewer than 3 points"):
        fit_series_file(DATA / "18650_LG_3500_MJ1_EIS_anode_discharge.parquet", "R0-p(R1,C1)", f_min_Hz=3e6)
