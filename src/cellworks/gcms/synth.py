"""Synthetic GC–MS runs of the ⁷⁴GeH₄ samples of document 002, written as ANDI/AIA netCDF-3 files.

What is simulated (the *instrument* and the *samples*; the analyser never imports this module):

* two columns as in the document: PLOT GS-GasPro 60 m × 0.32 mm (permanent gases, C1–C4, hydrides;
  the germane matrix elutes at 4.6–5.9 min with the filament off) and WCOT PTMSP 25 m × 0.26 mm
  (heavier impurities in the elution order of the document's Fig. 1; filament switched on 2 min
  after injection, the tail of the matrix still visible);
* full-scan (m/z 10–240, centroided, intensity threshold) and SIM runs (SIM groups around each
  compound, monitoring the Table 1 ions, with toluene on 91 and benzene on 78);
* peak areas A = K·σ·e^ε·f·C·p/p_ref with σ the total ionisation cross section at 70 eV, ε an
  instrument-specific deviation from the σ relation (SD 5 %, fixed for the simulated instrument), f
  the fraction of the ion current on the ion (from the compound's spectrum), C the concentration;
* spectra: the built-in library's natural-abundance spectra re-isotoped (fragment decomposition,
  :mod:`cellworks.gcms.clusters`) to ⁷⁴Ge-enriched Ge species, ¹²C₆H₆, ¹²C₃H₇³⁵Cl and a CS₂ that is
  a 5.9 : 1 mixture of ¹²C³²S³⁴S and ¹²C³²S₂;
* noise (the instrument constants below, stated assumptions, independent of Table 1's C_min): white
  detector noise of ``SIM_WHITE_NOISE`` counts per SIM point, ion statistics (variance
  ``SHOT_FACTOR``·signal on peaks, background and the matrix tail alike), a drifting background on
  the air/water ions; EMG peak shapes. The detection limits the analysis then finds are a
  prediction, compared with C_min by :mod:`cellworks.gcms.table1`;
* samples at Table 1's concentrations ("<" rows absent), optional inlet-pressure factor (p, 2p),
  a constant-error injection (a fixed amount of each impurity added by the inlet, independent of
  p), and calibration runs of the standards (18 compounds with standards) at four levels.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellworks._io import atomic_path, atomic_write
from cellworks.errors import ParameterError
from cellworks.gcms.clusters import Variant, reisotope
from cellworks.gcms.isotopes import GE74_MATRIX
from cellworks.gcms.quant import (
    CS2_RATIO_DOCUMENT,
    DOCUMENT_TABLE1,
    SAMPLES,
    TARGETS,
    Target,
    parse_table_value,
)

SOURCE = "Krylov, Sozin, Bulanov et al., Analitika i Kontrol 21 (2017) 25–32 (document 002)"


@dataclass(frozen=True)
class ColumnSetup:
    """Column, temperature programme and when the ion source is off."""

    name: str
    description: str
    run_end_min: float
    filament_off_min: tuple[tuple[float, float], ...]
    matrix_rt_min: float
    source: str = SOURCE


COLUMNS: dict[str, ColumnSetup] = {
    "plot": ColumnSetup("plot", "GS-GasPro PLOT 60 m × 0.32 mm; 30 °C (8 min), 10 °C/min to 100 °C",
                        16.0, ((0.0, 2.2), (4.6, 5.9)), 5.2),
    "ptmsp": ColumnSetup("ptmsp", "PTMSP WCOT 25 m × 0.26 mm, df 0.25 µm; 30 °C (8 min), 10 °C/min to 130 °C",
                         13.0, ((0.0, 2.0),), 1.2),
}

# Retention times (min) of the simulated columns; PTMSP in the elution order of Fig. 1.
RT_MIN: dict[str, float] = {
    "N2": 2.50, "Ar": 2.95, "O2": 3.45, "CH4": 3.95, "CO2": 6.45, "C2H4": 7.00, "PH3": 7.60,
    "H2S": 8.30, "AsH3": 9.00, "C3H8": 10.60, "C3H6": 11.30, "i-C4H10": 13.00, "n-C4H10": 13.80,
    "GeH3Cl": 2.60, "CS2": 3.10, "Ge2H6": 3.65, "2-C3H7Cl": 4.20, "n-C5H12": 4.80, "benzene": 5.45,
    "2-MP": 6.15, "3-MP": 6.65, "n-C6H14": 7.35, "toluene": 8.55, "Ge3H8": 9.35, "2-MH": 10.25,
    "3-MH": 10.75, "n-C7H16": 11.50,
}

EXTRA_SIM_IONS: dict[str, tuple[int, ...]] = {"CS2": (76,)}  # CS₂ also on 76 for the 78:76 ratio

K_COUNTS = 2.0e9  # area (counts·s) per Å² of cross section per vol.% at p_ref, unit ion fraction (assumed)
SIM_WHITE_NOISE = 10.0  # counts RMS per SIM point (electron-multiplier/ADC noise at 0.1 s dwell; assumed)
SHOT_FACTOR = 0.5  # variance per count of signal in SIM (ion statistics with the multiplier's gain; assumed)
P_REF_KPA = 20.0  # inlet pressure of the standards and of the "p" runs
SIM_DT_S = 0.1
SCAN_DT_S = 0.35
SCAN_MZ = (10, 240)
SCAN_NOISE = 40.0  # counts, white noise of one m/z in one full scan
SCAN_THRESHOLD = 120.0  # centroids below this are not stored (as an instrument threshold does)
INSTRUMENT_SEED = 5973  # the simulated instrument's own deviations from the σ relation
CL_ION_SHARE = 0.08  # Cl⁺ share of GeH₃Cl's ion current (document 002, Fig. 2: m/z 35, 37 present)
CS2_RATIO_34 = CS2_RATIO_DOCUMENT  # the simulated samples carry the document's ¹²C³²S³⁴S : ¹²C³²S₂
MATRIX_TAIL_COUNTS = 4.0e5  # ⁷⁴GeH₄ still entering the source when the filament comes on (counts)
MATRIX_TAIL_TAU_S = 4.0  # its exponential decay time
INJECTION_RSD = 0.015  # relative scatter of the dosed amount between injections (valve dosing)
CAL_LEVELS = (3e-6, 3e-5, 3e-4, 3e-3)  # vol.% of each standard in the four calibration mixtures


def peak_sigma_s(rt_min: float) -> float:
    """Gaussian part of the peak width (s): broadens with retention."""
    return 1.6 + 0.12 * rt_min


def peak_tau_s(rt_min: float) -> float:
    """Exponential tail of the EMG peak (s)."""
    return 0.6 + 0.05 * rt_min


def variants(key: str) -> list[Variant]:
    """Isotopic composition of each impurity in the centrifuged ⁷⁴GeH₄ (document 002)."""
    if key in ("GeH3Cl", "Ge2H6", "Ge3H8"):
        return [Variant(1.0, {"Ge": GE74_MATRIX})]
    if key == "benzene":
        return [Variant(1.0, {"C": {12: 1.0}})]
    if key == "2-C3H7Cl":
        return [Variant(1.0, {"C": {12: 1.0}, "Cl": {35: 1.0}})]
    if key == "CS2":
        return [Variant(1.0, {"C": {12: 1.0}, "S": (32, 32)}), Variant(CS2_RATIO_34, {"C": {12: 1.0}, "S": (32, 34)})]
    return [Variant(1.0)]


def sample_spectra(enriched: bool = True) -> dict[str, dict[int, float]]:
    """Unit-mass spectrum (sum-normalised) of each target, enriched as in the sample or natural."""
    from cellworks.gcms.library import load_builtin

    lib = load_builtin()
    out = {}
    for t in TARGETS:
        s = lib.find(t.library_name)
        spec = {int(round(m)): float(i) for m, i in zip(s.mz, s.intensity, strict=True)}
        if enriched and t.key in ("GeH3Cl", "Ge2H6", "Ge3H8", "benzene", "2-C3H7Cl", "CS2"):
            spec = reisotope(spec, t.formula, variants(t.key))
        if t.key == "GeH3Cl" and 35 not in spec:
            # document 002's Fig. 2 shows Cl⁺ at m/z 35 and 37 (3:1), absent from the computed library
            # spectrum: add it (natural Cl) at CL_ION_SHARE of the total ion current
            tot0 = sum(spec.values())
            spec = dict(spec)
            spec[35] = CL_ION_SHARE * tot0 * 0.7576
            spec[37] = CL_ION_SHARE * tot0 * 0.2424
        tot = sum(spec.values())
        out[t.key] = {m: v / tot for m, v in spec.items() if v > 0}
    return out


def true_sensitivity_factor() -> dict[str, float]:
    """K·σ·e^ε per compound (area per vol.% per unit ion fraction at p_ref) of the simulated instrument."""
    import numpy as np

    from cellworks.gcms.xsections import cross_section

    rng = np.random.default_rng(INSTRUMENT_SEED)
    out = {}
    for t in TARGETS:
        sig = cross_section(t.formula, t.xs_name).sigma_A2
        out[t.key] = K_COUNTS * sig * math.exp(0.05 * rng.standard_normal())
    return out


def sample_concentrations(sample: str) -> dict[str, float]:
    """Table 1's concentrations for a sample ("<" rows: absent)."""
    if sample not in SAMPLES:
        raise ParameterError(f"unknown sample {sample!r}; expected one of {', '.join(SAMPLES)}")
    col = SAMPLES.index(sample)
    out = {}
    for key, cells in DOCUMENT_TABLE1.items():
        kind, value, _ = parse_table_value(cells[col])
        out[key] = value if kind == "value" else 0.0
    return out


def _emg(t: Any, rt_s: float, sigma: float, tau: float) -> Any:
    """Exponentially modified Gaussian of unit area (1/s)."""
    import numpy as np
    from scipy.special import erfc, erfcx

    z = (np.asarray(t, float) - rt_s) / sigma
    arg = (sigma / tau - z) / math.sqrt(2.0)
    out = np.empty_like(z)
    pos = arg >= 0
    # two algebraically equal forms, each stable on its side of arg = 0
    out[pos] = np.exp(-0.5 * z[pos] ** 2) * erfcx(arg[pos]) / (2.0 * tau)
    zn = z[~pos]
    expo = 0.5 * (sigma / tau) ** 2 - zn * sigma / tau
    out[~pos] = np.exp(np.minimum(expo, 700.0)) * erfc(arg[~pos]) / (2.0 * tau)
    return out


@dataclass(frozen=True)
class SimGroup:
    t0_min: float
    t1_min: float
    ions: tuple[int, ...]
    noise: Mapping[int, float]  # counts (white, per SIM point)
    keys: tuple[str, ...]


def sim_groups(column: str, spectra: Mapping[str, Mapping[int, float]] | None = None) -> list[SimGroup]:
    """SIM groups of a column: compounds closer than 0.3 min share a group; boundaries halfway.

    Every ion of every group has the instrument's white noise ``SIM_WHITE_NOISE`` (ion statistics
    are added where the signal is simulated). Nothing here depends on Table 1's C_min.
    """
    spectra = spectra if spectra is not None else sample_spectra()
    tg = sorted((t for t in TARGETS if t.column == column), key=lambda t: RT_MIN[t.key])
    clusters: list[list[Target]] = []
    for t in tg:
        if clusters and RT_MIN[t.key] - RT_MIN[clusters[-1][-1].key] < 0.3:
            clusters[-1].append(t)
        else:
            clusters.append([t])
    out = []
    start = 0.0
    prev_ions: set[int] = set()
    for i, cl in enumerate(clusters):
        end = COLUMNS[column].run_end_min if i == len(clusters) - 1 else 0.5 * (
            RT_MIN[cl[-1].key] + RT_MIN[clusters[i + 1][0].key])
        ions: list[int] = []
        for t in cl:
            for m in (t.quant_mz, *EXTRA_SIM_IONS.get(t.key, ())):
                if m not in ions:
                    ions.append(m)
        # a qualifier ion per group (the compound's strongest other ion), chosen so that
        # neighbouring groups never monitor the same set of ions
        spec = spectra[cl[0].key]
        for m in sorted(spec, key=lambda m: -spec[m]):
            if m not in ions and m not in prev_ions and m >= 12:
                ions.append(m)
                break
        prev_ions = set(ions)
        noise = {m: SIM_WHITE_NOISE for m in ions}
        out.append(SimGroup(start, end, tuple(sorted(ions)), noise, tuple(t.key for t in cl)))
        start = end
    return out


def _background(column: str, mz: Any, t_s: Any) -> Any:
    """Drifting background (counts) on air/water ions and a slow bleed rise."""
    import numpy as np

    base = {14: 800.0, 16: 300.0, 17: 900.0, 18: 3000.0, 28: 6000.0, 32: 1500.0, 40: 200.0, 44: 400.0}
    t_min = t_s / 60.0
    drift = 1.0 + 0.02 * np.sin(t_min / 3.0) + (0.015 * np.clip(t_min - 8.0, 0, None))
    out = np.zeros((t_s.size, mz.size))
    for j, m in enumerate(mz):
        out[:, j] = base.get(int(m), 15.0) * drift
    return out


def simulate(
    column: str,
    mode: str,
    concentrations: Mapping[str, float],
    *,
    pressure_factor: float = 1.0,
    constant_error: float = 0.0,
    rng: Any,
    spectra: Mapping[str, Mapping[int, float]] | None = None,
) -> tuple[Any, list[tuple[Any, Any]]]:
    """Scan times (s) and per-scan (m/z, intensity) of one run."""
    import numpy as np

    if column not in COLUMNS:
        raise ParameterError(f"unknown column {column!r}; expected plot or ptmsp")
    if mode not in ("scan", "sim"):
        raise ParameterError(f"unknown mode {mode!r}; expected scan or sim")
    if not pressure_factor > 0:
        raise ParameterError("pressure factor must be > 0")
    spectra = spectra if spectra is not None else sample_spectra()
    fac = true_sensitivity_factor()
    col = COLUMNS[column]
    dt = SCAN_DT_S if mode == "scan" else SIM_DT_S
    t = np.arange(0.0, col.run_end_min * 60.0, dt)
    off = np.zeros(t.size, dtype=bool)
    for a, b in col.filament_off_min:
        off |= (t >= a * 60.0) & (t < b * 60.0)
    present = [tt for tt in TARGETS if tt.column == column and concentrations.get(tt.key, 0.0) > 0]

    # injection repeatability: the dosed amount of one injection scatters by INJECTION_RSD
    dose = math.exp(INJECTION_RSD * float(rng.standard_normal()))

    def amounts(key: str) -> float:
        c = concentrations[key]
        # a constant error adds a fixed amount, independent of the inlet pressure
        return c * pressure_factor * dose + constant_error * c

    def signal(mz_list: Sequence[int]) -> Any:
        sig = np.zeros((t.size, len(mz_list)))
        for tt in present:
            rt = RT_MIN[tt.key]
            shape = _emg(t, rt * 60.0, peak_sigma_s(rt), peak_tau_s(rt))
            a = fac[tt.key] * amounts(tt.key)
            for j, m in enumerate(mz_list):
                f = spectra[tt.key].get(int(m), 0.0)
                if f:
                    sig[:, j] += a * f * shape
        # tail of the ⁷⁴GeH₄ matrix (enters the ion source once the filament is on)
        on_after = col.filament_off_min[-1][1] * 60.0
        tail = np.where(t >= on_after, np.exp(-(t - on_after) / MATRIX_TAIL_TAU_S), 0.0) * MATRIX_TAIL_COUNTS
        for j, m in enumerate(mz_list):
            frac = {74: 0.25, 75: 0.22, 76: 0.28, 77: 0.2, 78: 0.05}.get(int(m), 0.0)
            sig[:, j] += tail * frac
        return sig

    scans: list[tuple[Any, Any]] = []
    if mode == "scan":
        mz = np.arange(SCAN_MZ[0], SCAN_MZ[1] + 1, dtype=float)
        sig = signal(list(mz.astype(int)))
        inten = sig + _background(column, mz, t)
        inten += rng.normal(0.0, 1.0, inten.shape) * np.sqrt(SCAN_NOISE**2 + 2.0 * inten)
        for i in range(t.size):
            if off[i]:
                scans.append((np.zeros(0), np.zeros(0)))
                continue
            keep = inten[i] > SCAN_THRESHOLD
            scans.append((mz[keep], np.round(inten[i, keep], 0)))
        return t, scans
    groups = sim_groups(column, spectra)
    all_ions = sorted({m for g in groups for m in g.ions})
    sig = signal(all_ions)
    bg = _background(column, np.asarray(all_ions, float), t)
    gi = np.clip(np.searchsorted([g.t1_min for g in groups], t / 60.0, side="right"), 0, len(groups) - 1)
    ys: dict[int, Any] = {}
    for k, g in enumerate(groups):
        rows = np.flatnonzero(gi == k)
        idx = [all_ions.index(m) for m in g.ions]
        cols = np.asarray(idx, dtype=np.int64)
        y = sig[np.ix_(rows, cols)] + bg[np.ix_(rows, cols)]
        sd = np.array([g.noise[m] for m in g.ions])
        ys[k] = y + rng.normal(0.0, 1.0, y.shape) * np.sqrt(sd**2 + SHOT_FACTOR * np.abs(y))
    pos = {k: 0 for k in ys}
    empty = (np.zeros(0), np.zeros(0))
    ions_f = {k: np.asarray(g.ions, float) for k, g in enumerate(groups)}
    for i in range(t.size):
        k = int(gi[i])
        j = pos[k]
        pos[k] += 1
        scans.append(empty if off[i] else (ions_f[k], ys[k][j]))
    return t, scans


def write_andi(path: str | Path, times_s: Any, scans: list[tuple[Any, Any]], attrs: Mapping[str, str]) -> Path:
    """Write an ANDI/AIA MS (netCDF-3 classic) file with the standard variables."""
    import numpy as np
    from scipy.io import netcdf_file

    n = len(scans)
    counts = np.array([len(m) for m, _ in scans], dtype=np.int32)
    index = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
    mz = np.concatenate([np.asarray(m, float) for m, _ in scans]) if n else np.zeros(0)
    inten = np.concatenate([np.asarray(y, float) for _, y in scans]) if n else np.zeros(0)
    scan_id = np.repeat(np.arange(n), counts)
    tic = np.bincount(scan_id, weights=inten, minlength=n)
    mins = np.full(n, 0.0)
    maxs = np.full(n, 0.0)
    nz = counts > 0
    mins[nz] = mz[index[nz]]
    maxs[nz] = mz[index[nz] + counts[nz] - 1]
    out = Path(path)
    with atomic_path(out) as tmp:
        nc = netcdf_file(tmp, "w", version=1)
        try:
            std = {
                "dataset_completeness": "C1+C2", "ms_template_revision": "1.0.1", "netcdf_revision": "2.3.2",
                "languages": "English", "dataset_origin": "cellworks.gcms.synth (simulated)",
                "experiment_type": "Centroided Mass Spectrum", "test_ionization_mode": "Electron Impact",
                "test_ionization_polarity": "Positive Polarity", "test_detector_type": "Electron Multiplier",
                "test_resolution_type": "Constant Resolution", "test_scan_direction": "Up",
                "test_scan_law": "Linear", "raw_data_mass_format": "Float", "raw_data_time_format": "Double",
                "raw_data_intensity_format": "Float", "test_separation_type": "Gas-Liquid Chromatography",
                "test_ms_inlet": "Capillary Direct",
            }
            for k, v in {**std, **attrs}.items():
                setattr(nc, k, v.encode("utf-8"))
            nc.createDimension("_2_byte_string", 2)
            nc.createDimension("_32_byte_string", 32)
            nc.createDimension("range", 2)
            nc.createDimension("scan_number", n)
            nc.createDimension("point_number", max(int(mz.size), 1))
            nc.createDimension("instrument_number", 1)
            v = nc.createVariable("scan_acquisition_time", "d", ("scan_number",))
            v[:] = np.asarray(times_s, float)
            v.units = b"Seconds"
            nc.createVariable("scan_duration", "d", ("scan_number",))[:] = np.full(n, float(np.median(np.diff(times_s))) if n > 1 else 0.0)
            nc.createVariable("inter_scan_time", "d", ("scan_number",))[:] = np.zeros(n)
            nc.createVariable("actual_scan_number", "i", ("scan_number",))[:] = np.arange(n, dtype=np.int32)
            v = nc.createVariable("total_intensity", "d", ("scan_number",))
            v[:] = tic
            v.units = b"Arbitrary Intensity Units"
            nc.createVariable("mass_range_min", "d", ("scan_number",))[:] = mins
            nc.createVariable("mass_range_max", "d", ("scan_number",))[:] = maxs
            nc.createVariable("scan_index", "i", ("scan_number",))[:] = index
            nc.createVariable("point_count", "i", ("scan_number",))[:] = counts
            nc.createVariable("flag_count", "i", ("scan_number",))[:] = np.zeros(n, dtype=np.int32)
            v = nc.createVariable("mass_values", "f", ("point_number",))
            v[:] = (mz if mz.size else np.zeros(1)).astype(np.float32)
            v.units = b"M/Z"
            v.scale_factor = 1.0
            v = nc.createVariable("intensity_values", "f", ("point_number",))
            v[:] = (inten if inten.size else np.zeros(1)).astype(np.float32)
            v.units = b"Arbitrary Intensity Units"
            v.scale_factor = 1.0
            v.add_offset = 0.0
            for name, text in (("instrument_name", "simulated 6890/5973N"), ("instrument_mfr", "cellworks"),
                               ("instrument_model", "quadrupole EI (simulated)")):
                var = nc.createVariable(name, "c", ("instrument_number", "_32_byte_string"))
                var[0, :] = np.frombuffer(text.ljust(32)[:32].encode("ascii"), dtype="S1")
            nc.flush()
        finally:
            nc.close()
    return out


def _attrs(sample: str, column: str, mode: str, pressure_kpa: float, title: str) -> dict[str, str]:
    return {
        "experiment_title": title,
        "sample_id": sample,
        "sample_name": sample,
        "test_scan_function": "Selected Ion Detection" if mode == "sim" else "Mass Scan",
        "column_id": COLUMNS[column].description,
        "cellworks_column": column,
        "cellworks_inlet_pressure_kPa": f"{pressure_kpa:g}",
        "administrative_comments": f"column={column}; mode={mode}; inlet_pressure_kPa={pressure_kpa:g}",
        "external_file_ref_0": "SIM.M" if mode == "sim" else "SCAN.M",
    }


def output_paths(out: str | Path, columns: Sequence[str], modes: Sequence[str], replicates: int) -> list[tuple[str, str, int, Path]]:
    """Files written for ``out``: exactly ``out`` when one run is asked for (one column, one mode,
    one replicate); otherwise ``<stem>-<column>-<mode>[-r<k>].cdf`` beside ``out`` (``runs/x.cdf``
    → ``runs/x-plot-scan.cdf``, ``runs/x-plot-sim.cdf``, ``runs/x-ptmsp-scan.cdf``,
    ``runs/x-ptmsp-sim.cdf``)."""
    o = Path(out)
    if len(columns) == 1 and len(modes) == 1 and replicates == 1:
        return [(columns[0], modes[0], 1, o if o.suffix else o.with_suffix(".cdf"))]
    stem = o.stem if o.suffix.lower() in (".cdf", ".nc") else o.name
    res = []
    for c in columns:
        for m in modes:
            for k in range(1, replicates + 1):
                suffix = f"-r{k}" if replicates > 1 else ""
                res.append((c, m, k, o.with_name(f"{stem}-{c}-{m}{suffix}.cdf")))
    return res


def synthesize_sample(
    sample: str,
    out: str | Path,
    *,
    seed: int = 0,
    columns: Sequence[str] = ("plot", "ptmsp"),
    modes: Sequence[str] = ("scan", "sim"),
    pressure_factor: float = 1.0,
    constant_error: float = 0.0,
    replicates: int = 1,
) -> list[Path]:
    """Write the runs of one sample; returns the files written."""
    import numpy as np

    conc = sample_concentrations(sample)
    spectra = sample_spectra()
    paths = output_paths(out, columns, modes, replicates)
    seeds = np.random.SeedSequence(seed).spawn(len(paths))
    written = []
    for (c, m, k, p), ss in zip(paths, seeds, strict=True):
        rng = np.random.default_rng(ss)
        t, scans = simulate(c, m, conc, pressure_factor=pressure_factor, constant_error=constant_error,
                            rng=rng, spectra=spectra)
        title = f"74GeH4 {sample} ({c}, {m}, p = {pressure_factor:g}·p_ref, replicate {k})"
        written.append(write_andi(p, t, scans, _attrs(sample, c, m, P_REF_KPA * pressure_factor, title)))
    return written


def synthesize_calibration(out: str | Path, *, seed: int = 0, levels: Sequence[float] = CAL_LEVELS) -> Path:
    """SIM runs of the standard mixtures (every compound with a standard at each level), full-scan
    runs of the richest mixture, and a JSON manifest ``out`` listing files, columns, inlet pressure and the prepared concentrations."""
    import numpy as np

    o = Path(out)
    stem = o.stem
    std = [t for t in TARGETS if t.has_standard]
    spectra = sample_spectra(enriched=False)  # the standards are natural-abundance compounds
    runs = []
    seeds = np.random.SeedSequence(seed + 100003).spawn(len(levels) * 2 * 2)
    k = 0
    for li, level in enumerate(levels):
        conc = {t.key: level for t in std}
        for c in ("plot", "ptmsp"):
            # SIM at every level; a full scan of the richest mixture gives the standards' retention
            for m in ("sim", "scan") if li == len(levels) - 1 else ("sim",):
                rng = np.random.default_rng(seeds[k])
                k += 1
                t, scans = simulate(c, m, conc, rng=rng, spectra=spectra)
                p = o.with_name(f"{stem}-L{li + 1}-{c}-{m}.cdf")
                write_andi(p, t, scans, _attrs(f"standard L{li + 1}", c, m, P_REF_KPA,
                                               f"calibration mixture L{li + 1} ({c}, {m})"))
                runs.append({
                    "file": p.name, "column": c, "mode": m, "inlet_pressure_kPa": P_REF_KPA,
                    "concentrations_vol_pct": {t.key: level for t in std if t.column == c},
                })
    manifest = {"description": "standard gas mixtures for absolute calibration (simulated)",
                "units": "vol.%", "runs": runs}
    with atomic_write(o, "w") as fh:
        fh.write(json.dumps(manifest, indent=2))
    return o
