"""What the fuzz campaign runs: every reader of every part on mutants of every fixture, every
numeric option of every command with hostile values, and hostile protocol texts.

A campaign is a list of :class:`~tests.fuzz.runner.Case` built from a seed; the same seed gives the
same mutants and the same order.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .mutators import mutate
from .runner import Case

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
DATA = ROOT / "tests" / "data"


@dataclass(frozen=True)
class Reader:
    """A command that reads one file: ``args(mutant, workdir, k)``."""

    name: str
    fixtures: tuple[Path, ...]
    args: Callable[[Path, Path, int], list[str]]
    weight: float = 1.0  # relative share of the mutants (cheap readers get more)


def _files(folder: str, *suffixes: str) -> tuple[Path, ...]:
    return tuple(sorted(p for p in (DATA / folder).iterdir()
                        if p.name != "SOURCES.md" and (not suffixes or p.suffix.lower() in suffixes)))


CYCLING = _files("cycling")
EIS = _files("eis")
GCMS = _files("gcms", ".cdf")
HPPC = _files("pack", ".xlsx")
MSP = (SRC / "cellworks" / "gcms" / "data" / "builtin_ei.msp",)
PACK_TOML = tuple(sorted((SRC / "cellworks" / "pack" / "data").glob("*.toml")))

READERS: tuple[Reader, ...] = (
    Reader("cycling summarize", CYCLING, lambda m, w, k: ["cycling", "summarize", str(m), "--json"], 3.0),
    Reader("cycling convert", CYCLING, lambda m, w, k: ["cycling", "convert", str(m), str(w / f"out-{k}.parquet")]),
    Reader("eis validate", EIS, lambda m, w, k: ["eis", "validate", str(m), "--json"], 2.0),
    Reader("eis fit", EIS, lambda m, w, k: ["eis", "fit", str(m), "-c", "R0-p(R1,C1)", "--starts", "2", "--json"]),
    Reader("gcms info", GCMS, lambda m, w, k: ["gcms", "info", str(m), "--json"], 1.5),
    Reader("gcms peaks", GCMS, lambda m, w, k: ["gcms", "peaks", str(m), "--json"]),
    Reader("pack fit-ecm", HPPC, lambda m, w, k: ["pack", "fit-ecm", str(m), "--json"]),
    Reader("gcms library info", MSP, lambda m, w, k: ["gcms", "library", "info", str(m), "--names", "--json"]),
    Reader("pack run", PACK_TOML, lambda m, w, k: ["pack", "run", str(m), "--json"], 0.5),
)

# issue 20's items owned by other helpers whose fix had not reached main when this suite was
# written: their regression tests are strict xfails, and a fuzz case they explain is reported
# apart (and fails the campaign once fixed, so the entry is removed). (reader, suffix, mutator).
KNOWN_OWNED: dict[str, str] = {}
KNOWN_CASES: dict[tuple[str, str, str], str] = {}


def known_owner(label: str) -> str | None:
    """The :data:`KNOWN_OWNED` key that explains a failing case (by its label), if any."""
    words = label.split()
    if len(words) < 4:
        return None
    part, fixture, how = words[0], words[2], words[3]
    for (kpart, suffix, mutator), key in KNOWN_CASES.items():
        if part == kpart and fixture.lower().endswith(suffix) and mutator in how.split("+"):
            return key
    return None


# numeric options: hostile values (the CLI refuses NaN, infinity where it is not the default, and
# integers beyond 64 bits; the commands must refuse the rest, or compute something finite)
FLOATS = ("nan", "inf", "-inf", "1e400", "-1", "0", "-1e308", "1e-320")
INTS = ("-1", "0", str(2**63), "99999999999999999999")
XLSX = DATA / "pack" / "samsung_inr21700_multipulse_hppc.xlsx"
BASE: dict[str, list[str]] = {
    "cycling convert": ["cycling", "convert", str(DATA / "cycling" / "maccor_example.001"), "{out}.parquet"],
    "cycling plateaus": ["cycling", "plateaus", str(DATA / "cycling" / "lili_tegdme_01_GCPL_C05.mpr")],
    "cycling plot": ["cycling", "plot", str(DATA / "cycling" / "lili_tegdme_01_GCPL_C05.mpr"), "{out}.png"],
    "cycling rate": ["cycling", "rate", str(DATA / "cycling" / "lili_tegdme_01_GCPL_C05.mpr")],
    "cycling summarize": ["cycling", "summarize", str(DATA / "cycling" / "lili_tegdme_01_GCPL_C05.mpr")],
    "eis fit": ["eis", "fit", str(DATA / "eis" / "exampleData.csv"), "-c", "R0-p(R1,C1)", "--starts", "2"],
    "eis simulate": ["eis", "simulate", "-c", "R0-p(R1,C1)", "--params", "0.01,0.02,1"],
    "eis validate": ["eis", "validate", str(DATA / "eis" / "exampleData.csv")],
    "gcms identify": ["gcms", "identify", str(DATA / "gcms" / "agilent-gcms-tic.cdf")],
    "gcms isobars": ["gcms", "isobars", "76"],
    "gcms isotopes": ["gcms", "isotopes", "GeH4"],
    "gcms peaks": ["gcms", "peaks", str(DATA / "gcms" / "agilent-gcms-tic.cdf")],
    "gcms synth": ["gcms", "synth", "--sample", "rectified", "--column", "ptmsp", "--mode", "sim", "--out", "{out}.cdf"],
    "lis design electrode": ["lis", "design", "electrode", "--loading-mg-per-cm2", "2", "--area-cm2", "1",
                             "--sulfur-fraction", "0.6"],
    "lis design layer": ["lis", "design", "layer", "--thickness", "1 um", "--conductivity-S-per-cm", "1e-4"],
    "lis design lithium-thickness": ["lis", "design", "lithium-thickness", "--areal-capacity-mAh-per-cm2", "4"],
    "lis design plating-time": ["lis", "design", "plating-time", "--thickness", "1 um", "--current", "1 mA",
                                "--area-cm2", "1"],
    "lis design sulfur-loading": ["lis", "design", "sulfur-loading", "--pore-volume-cm3-per-g", "1.2"],
    "lis impedance": ["lis", "impedance", "--points", "20"],
    "lis simulate": ["lis", "simulate", "--protocol", "Discharge at 1.7 A for 600 s"],
    "lis sweep": ["lis", "sweep", "--out", "{out}", "--grid", "temperature_K=300", "--protocol",
                  "Discharge at 1.7 A for 600 s", "--scheduler", "sync"],
    "pack example conditioning": ["pack", "example", "conditioning"],
    "pack example soft-short": ["pack", "example", "soft-short", "--months", "1"],
    "pack fit-ecm": ["pack", "fit-ecm", str(XLSX)],
    "pack montecarlo": ["pack", "montecarlo", "baumhofer-4s3p", "--packs", "2"],
    "pack size balancing-current": ["pack", "size", "balancing-current"],
    "pack size bleed-resistor": ["pack", "size", "bleed-resistor"],
    "pack size check-bleed": ["pack", "size", "check-bleed"],
    "pack size conditioning": ["pack", "size", "conditioning"],
    "pack size discharge-resistance": ["pack", "size", "discharge-resistance"],
}
MAY_FAIL = {"lis simulate", "lis sweep"}  # a simulation (a batch input) may fail: exit 1 with one line
# not here, on purpose: `lis fit` (25 minutes with valid values), `lis reproduce` and `demo` (minutes,
# no numeric option a user would mistype into harm), `gcms analyze` (needs a calibration campaign)

PROTOCOLS = (
    "(" * 5000 + "Rest for 1 minute" + ")" * 5000,
    "(Rest for 1 minute) * 99999999999999999999",
    "((Rest for 1 minute) * 1000) * 1000",
    "(Discharge at 1 A until 2.5 V) * 1000000",
    "Discharge at 1e400 A until 2.15 V",
    "Discharge at 1e-400 A until 2.15 V",
    "Discharge at 1e-300 A until 2.15 V or 60 s",
    "Discharge at 1e-300 A for 60 s",
    "Hold at 2.3 V until 0 mA",
    "Hold at 2.3 V until 1e-300 mA or 60 s",
    "Discharge at 0 A until 2 V",
    "Discharge at C/0 until 2 V",
    "Charge at 1e300 W until 4 V",
    "Discharge at 1e300 Ohm for 1 s",
    "Rest for 1e300 s",
    "Discharge at 1.7 A until 2.15 V \x1b]0;pwned\x07",
    "Discharge at 1.7 A until -5 V",
    "Discharge at 1.7 A until 1e300 V",
    ")(" * 100,
    "Rest for 1 s, " * 5000,
)


def _copy_fixture(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def file_cases(n: int, seed: int, workdir: Path) -> list[Case]:
    """``n`` mutants spread over every reader and fixture (each pair at least once when ``n`` allows)."""
    rng = random.Random(seed)
    pairs = [(r, f) for r in READERS for f in r.fixtures]
    weights = [r.weight / len(r.fixtures) for r, _ in pairs]
    order = list(pairs)
    rng.shuffle(order)
    chosen = order[:n] + rng.choices(pairs, weights, k=max(0, n - len(order)))
    cases: list[Case] = []
    for k, (reader, fixture) in enumerate(chosen):
        how, data = mutate(fixture.read_bytes(), fixture.suffix, rng)
        folder = workdir / f"m{k:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        # some mutants get a hostile file name too (spaces, an escape sequence, a newline)
        stem = rng.choice((fixture.stem, fixture.stem, fixture.stem, "a b", "x\x1b]0;t\x07", "new\nline"))
        mutant = folder / f"{stem}{fixture.suffix}"
        mutant.write_bytes(data)
        cases.append(Case(f"{reader.name} {fixture.name} {how}", tuple(reader.args(mutant, folder, k)),
                          (mutant,), cwd=folder))
    return cases


def option_cases(workdir: Path, seed: int, limit: int | None = None) -> list[Case]:
    """Every numeric option of every command in :data:`BASE` with every hostile value."""
    from cellworks import _safety
    from cellworks.cli import command

    cases: list[Case] = []
    k = 0
    for path, cmd in _safety.iter_commands(command()):
        name = path.removeprefix("cellworks ")
        if name not in BASE or cmd.callback is None:
            continue
        info = _safety.describe(cmd, path)
        numeric = [(flag, FLOATS) for flag, _ in info.floats.values()] + [(flag, INTS) for flag in info.ints.values()]
        for flag, values in numeric:
            for value in values:
                k += 1
                folder = workdir / f"o{k:05d}"
                folder.mkdir(parents=True, exist_ok=True)
                base = [a.replace("{out}", str(folder / "out")) for a in BASE[name]]
                if flag in base:  # replace the base's own value of this option
                    i = base.index(flag)
                    base = base[:i] + base[i + 2:]
                args = [*base, flag, value] if flag.startswith("-") else base
                inputs = tuple(Path(a) for a in base if a.startswith(str(ROOT)) and Path(a).is_file())
                cases.append(Case(f"{name} {flag} {value}", tuple(args), inputs, cwd=folder,
                                  may_fail=name in MAY_FAIL))
    if limit is not None and limit < len(cases):
        cases = random.Random(seed).sample(cases, limit)
    return cases


def protocol_cases(workdir: Path, seed: int = 0, limit: int | None = None) -> list[Case]:
    """Every hostile protocol text through ``protocol show`` and ``lis simulate``."""
    folder = workdir / "protocols"
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for text in PROTOCOLS:
        cases.append(Case(f"protocol show {text[:30]!r}", ("protocol", "show", text), cwd=folder))
        cases.append(Case(f"lis simulate {text[:30]!r}", ("lis", "simulate", "--protocol", text, "--json"),
                          cwd=folder, may_fail=True))
    if limit is not None and limit < len(cases):
        cases = random.Random(seed).sample(cases, limit)
    return cases
