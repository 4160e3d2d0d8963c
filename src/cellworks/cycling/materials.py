"""Theoretical specific capacities of common active materials, for plausibility checks of a mass.

Each capacity is Faraday's law, ``n·F / (3.6·M)`` in mAh g⁻¹ (F = 96485.33212 C mol⁻¹, CODATA
2018; M from IUPAC 2021 standard atomic weights), for the electrons ``n`` per formula unit of the
reaction named in the table. Sulfur uses the 1675 mAh g⁻¹ that documents 000/001 quote (2F/M_S
itself is 1672). A measured specific capacity above the theoretical one, or below 1 % of it,
means the mass (or its unit) is wrong: the check that catches EC-Lab's stored ``7000`` read as mg
for a cell that held 7 mg or 7 µg.
"""

from __future__ import annotations

from dataclasses import dataclass

FARADAY_C_PER_MOL = 96485.33212


@dataclass(frozen=True)
class Material:
    """An active material and its theoretical capacity (per gram of the named formula)."""

    name: str
    formula: str
    electrons: float
    molar_mass_g_per_mol: float
    reaction: str
    source: str = "Faraday's law n·F/(3.6·M); IUPAC 2021 atomic weights"

    @property
    def theoretical_mAh_per_g(self) -> float:
        return self.electrons * FARADAY_C_PER_MOL / (3.6 * self.molar_mass_g_per_mol)


_M = {"Li": 6.94, "C": 12.011, "O": 15.999, "S": 32.06, "Si": 28.085, "Co": 58.933, "Ni": 58.693,
      "Mn": 54.938, "Fe": 55.845, "P": 30.974, "Ti": 47.867, "Al": 26.982, "Sn": 118.71}

MATERIALS: dict[str, Material] = {
    m.name: m
    for m in (
        Material("S", "S", 2.0, _M["S"], "S + 2 Li → Li2S"),
        Material("Li", "Li", 1.0, _M["Li"], "Li → Li⁺ + e⁻"),
        Material("Si", "Si", 3.75, _M["Si"], "4 Si + 15 Li → Li15Si4"),
        Material("graphite", "C6", 1.0, 6 * _M["C"], "C6 + Li → LiC6"),
        Material("Sn", "Sn", 4.4, _M["Sn"], "Sn + 4.4 Li → Li4.4Sn"),
        Material("LCO", "LiCoO2", 1.0, _M["Li"] + _M["Co"] + 2 * _M["O"], "LiCoO2 → CoO2 + Li"),
        Material("LFP", "LiFePO4", 1.0, _M["Li"] + _M["Fe"] + _M["P"] + 4 * _M["O"], "LiFePO4 → FePO4 + Li"),
        Material("NMC", "LiNi1/3Mn1/3Co1/3O2", 1.0,
                 _M["Li"] + (_M["Ni"] + _M["Mn"] + _M["Co"]) / 3 + 2 * _M["O"], "full delithiation"),
        Material("NMC811", "LiNi0.8Mn0.1Co0.1O2", 1.0,
                 _M["Li"] + 0.8 * _M["Ni"] + 0.1 * _M["Mn"] + 0.1 * _M["Co"] + 2 * _M["O"], "full delithiation"),
        Material("NCA", "LiNi0.8Co0.15Al0.05O2", 1.0,
                 _M["Li"] + 0.8 * _M["Ni"] + 0.15 * _M["Co"] + 0.05 * _M["Al"] + 2 * _M["O"], "full delithiation"),
        Material("LMO", "LiMn2O4", 1.0, _M["Li"] + 2 * _M["Mn"] + 4 * _M["O"], "LiMn2O4 → Mn2O4 + Li"),
        Material("LTO", "Li4Ti5O12", 3.0, 4 * _M["Li"] + 5 * _M["Ti"] + 12 * _M["O"], "Li4Ti5O12 + 3 Li → Li7Ti5O12"),
    )
}
_ALIASES = {
    "s8": "S", "sulfur": "S", "sulphur": "S", "lithium": "Li", "li metal": "Li", "silicon": "Si", "c": "graphite",
    "lic6": "graphite", "gr": "graphite", "licoo2": "LCO", "lifepo4": "LFP", "nmc111": "NMC", "ncm": "NMC",
    "ncm811": "NMC811", "limn2o4": "LMO", "li4ti5o12": "LTO", "tin": "Sn",
}
#: sulfur's value as documents 000/001 quote it (THEORETICAL_S_MAH_PER_G in cellworks.cycling.summary)
SULFUR_DOCUMENT_MAH_PER_G = 1675.0
#: no electrode material stores more charge per gram than lithium metal (3861 mAh g⁻¹)
MAX_ANY_MAH_PER_G = 3861.0
#: below this a specific capacity is implausible for any battery material in a real test
MIN_ANY_MAH_PER_G = 1.0
#: below this fraction of the theoretical capacity the named material is implausible
MIN_FRACTION_OF_THEORY = 0.01
#: above the theoretical capacity by more than this fraction (measurement and side reactions)
MAX_EXCESS_OF_THEORY = 0.10


def material(name: str | None) -> Material | None:
    """The :class:`Material` named ``name`` (case-insensitive, common aliases), or None."""
    if not name:
        return None
    key = name.strip()
    for k, m in MATERIALS.items():
        if k.lower() == key.lower() or m.formula.lower() == key.lower():
            return m
    alias = _ALIASES.get(key.lower())
    return MATERIALS.get(alias) if alias else None


def theoretical_mAh_per_g(name: str | None) -> float | None:
    """Theoretical capacity of a named material (sulfur: the documents' 1675 mAh g⁻¹)."""
    m = material(name)
    if m is None:
        return None
    return SULFUR_DOCUMENT_MAH_PER_G if m.name == "S" else m.theoretical_mAh_per_g


def plausibility(specific_mAh_per_g: float, name: str | None) -> str | None:
    """A one-line warning when a measured specific capacity cannot be right for the material, else
    None. Without a known material, the bounds of any electrode material are used."""
    import math

    q = float(specific_mAh_per_g)
    if not math.isfinite(q) or q <= 0:
        return None
    theory = theoretical_mAh_per_g(name)
    if theory is not None:
        m = material(name)
        label = f"{m.name if m is not None else name} ({theory:.0f} mAh/g theoretical)"
        if q > (1 + MAX_EXCESS_OF_THEORY) * theory:
            return f"implied specific capacity {q:.4g} mAh/g exceeds that of {label}: the mass is too small or in the wrong unit"
        if q < MIN_FRACTION_OF_THEORY * theory:
            return (f"implied specific capacity {q:.4g} mAh/g is below {MIN_FRACTION_OF_THEORY:.0%} of {label}: "
                    "the mass is too large or in the wrong unit (mg vs µg?)")
        return None
    what = f" of '{name}'" if name else ""
    if q > MAX_ANY_MAH_PER_G:
        return (f"implied specific capacity {q:.4g} mAh/g{what} exceeds lithium metal's 3861 mAh/g, the most of any "
                "electrode material: the mass is too small or in the wrong unit")
    if q < MIN_ANY_MAH_PER_G:
        return (f"implied specific capacity {q:.4g} mAh/g{what} is below {MIN_ANY_MAH_PER_G:g} mAh/g, implausible for "
                "an active material: the mass is too large or in the wrong unit (mg vs µg?)")
    return None
