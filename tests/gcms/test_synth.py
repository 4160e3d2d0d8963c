"""The run synthesiser writes real ANDI/AIA netCDF-3 files of document 002's samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.io import netcdf_file

from cellworks.cli import main
from cellworks.gcms.quant import CS2_RATIO_DOCUMENT
from cellworks.gcms.readers import read_run
from cellworks.gcms.synth import sample_spectra, synthesize_sample

ANDI_VARS = ("scan_acquisition_time", "scan_index", "point_count", "mass_values", "intensity_values",
             "total_intensity", "mass_range_min", "mass_range_max", "actual_scan_number")


@pytest.fixture(scope="module")
def conc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("synth")
    files = synthesize_sample("concentrate", d / "c.cdf", seed=9001)
    return {p.stem.split("-", 1)[1]: p for p in files}


def test_andi_variables_and_layout(conc: dict[str, Path]) -> None:
    assert set(conc) == {"plot-scan", "plot-sim", "ptmsp-scan", "ptmsp-sim"}
    with open(conc["ptmsp-sim"], "rb") as fh:
        assert fh.read(3) == b"CDF"  # netCDF-3 classic
    nc = netcdf_file(conc["ptmsp-sim"], "r", mmap=False)
    try:
        for v in ANDI_VARS:
            assert v in nc.variables
        pc = nc.variables["point_count"][:].astype(int)
        si = nc.variables["scan_index"][:].astype(int)
        assert si[0] == 0 and np.array_equal(si[1:], np.cumsum(pc)[:-1])
        assert pc.sum() == nc.variables["mass_values"].shape[0]
        assert np.all(np.diff(nc.variables["scan_acquisition_time"][:]) > 0)
        assert nc.test_scan_function == b"Selected Ion Detection"
    finally:
        nc.close()


def test_filament_off_and_modes(conc: dict[str, Path]) -> None:
    plot = read_run(conc["plot-scan"])
    t = plot.scan_times_min
    off = (t > 4.65) & (t < 5.85)  # document: filament off 4.6–5.9 min on GS-GasPro (matrix elutes)
    assert off.any() and plot.tic()[off].max() == 0.0
    assert read_run(conc["ptmsp-sim"]).is_sim and not read_run(conc["ptmsp-scan"]).is_sim
    ptmsp = read_run(conc["ptmsp-scan"])
    assert ptmsp.scan_times_min[ptmsp.tic() > 0].min() >= 2.0  # PTMSP: filament on after 2 min
    assert ptmsp.metadata["cellworks_column"] == "ptmsp"


def test_fig1_elution_order(conc: dict[str, Path]) -> None:
    run = read_run(conc["ptmsp-scan"])
    # ions that only one Fig. 1 compound produces: GeH₃Cl 109, CS₂ 76, Ge₂H₆ 150, benzene 52,
    # toluene 91, Ge₃H₈ 224 (2-chloropropane shares all its ions with others)
    order = []
    for mz in (109, 76, 150, 52, 91, 224):
        y = run.eic(mz)
        order.append(run.scan_times_min[int(np.argmax(y))])
    assert order == sorted(order)


def test_enriched_spectra() -> None:
    sp = sample_spectra()
    ge2 = sp["Ge2H6"]
    assert sum(ge2.get(m, 0.0) for m in (70, 71, 72, 73)) < 1e-3 * max(ge2.values())  # only ⁷⁴Ge ions
    assert sp["CS2"][78] / sp["CS2"][76] == pytest.approx(CS2_RATIO_DOCUMENT)  # the document's 5.9 : 1
    assert sp["benzene"].get(79, 0.0) < 1e-3 * sp["benzene"][78]
    assert sp["GeH3Cl"][37] / sp["GeH3Cl"][35] == pytest.approx(0.24240515 / 0.75759485, rel=1e-3)


def test_cli_synth_and_bad_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["gcms", "synth", "--sample", "rectified", "--column", "ptmsp", "--mode", "sim", "--seed", "5",
               "--out", str(tmp_path / "r.cdf")])
    # one run asked for: written to exactly --out
    assert rc == 0 and (tmp_path / "r.cdf").exists() and not (tmp_path / "r-ptmsp-sim.cdf").exists()
    capsys.readouterr()
    # several runs: <stem>-<column>-<mode>.cdf beside --out, listed on stdout
    assert main(["gcms", "synth", "--sample", "initial", "--seed", "5", "--out", str(tmp_path / "runs" / "i.cdf"),
                 "--json", "--mkdir"]) == 0
    files = sorted(Path(f).name for f in json.loads(capsys.readouterr().out)["files"])
    assert files == ["i-plot-scan.cdf", "i-plot-sim.cdf", "i-ptmsp-scan.cdf", "i-ptmsp-sim.cdf"]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == files
    assert main(["gcms", "synth", "--sample", "dirty", "--out", str(tmp_path / "x.cdf")]) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_same_seed_same_data(tmp_path: Path) -> None:
    a = synthesize_sample("initial", tmp_path / "a.cdf", seed=77, columns=("ptmsp",), modes=("sim",))[0]
    b = synthesize_sample("initial", tmp_path / "b.cdf", seed=77, columns=("ptmsp",), modes=("sim",))[0]
    ra, rb = read_run(a), read_run(b)
    assert np.array_equal(ra.intensity, rb.intensity)
