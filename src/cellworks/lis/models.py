"""The Li–S models a user can pick by name: equations set + parameter class + compiled kernels.

Both models share the protocol, the compiled driver (:mod:`cellworks.lis.kernels.driver`), the
result table and the parameter conventions (frozen dataclasses, units in the field names, a
``source`` per set and per field); a preset names its model, ``cellworks lis models --json`` lists
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class ModelInfo:
    """A model of :mod:`cellworks.lis`: what it is, where it comes from, its default preset."""

    name: str
    title: str
    reactions: tuple[str, ...]
    reaches_li2s: bool
    rate_dependent_capacity: str
    source: str
    default_preset: str
    docs: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"name": self.name, "title": self.title, "reactions": list(self.reactions),
                "reaches_li2s": self.reaches_li2s, "rate_dependent_capacity": self.rate_dependent_capacity,
                "source": self.source, "default_preset": self.default_preset, "docs": self.docs}


MODELS: dict[str, ModelInfo] = {
    "marinescu2016": ModelInfo(
        name="marinescu2016",
        title="two-reaction zero-dimensional model (the verified anchor)",
        reactions=("S8 + 4e- -> 2 S4(2-)", "S4(2-) + 4e- -> S2(2-) + 2 S(2-)  (S(2-) -> Li2S precipitate)"),
        reaches_li2s=False,
        rate_dependent_capacity="no (S2(2-) is never reduced: at most 75 % of 1675 mAh/g)",
        source="M. Marinescu, T. Zhang, G. J. Offer, Phys. Chem. Chem. Phys. 18 (2016) 584; fade: Marinescu et al., "
               "J. Electrochem. Soc. 165 (2018) A6107",
        default_preset="marinescu2016",
        docs="docs/lis-model-marinescu2016.md",
    ),
    "chain3": ModelInfo(
        name="chain3",
        title="three-reaction chain to Li2S with blocking, resistances and a transport-limited shuttle",
        reactions=("S8 + 4e- -> 2 S4(2-)", "S4(2-) + 2e- -> 2 S2(2-)", "S2(2-) + 2e- -> 2 S(2-)  (-> Li2S precipitate)"),
        reaches_li2s=True,
        rate_dependent_capacity="yes: Li2S blocks the reaction area (kinetics) and its insulating film passivates "
                                "the discharge (film resistance), both inside the current balance; dissolved "
                                "polysulfide lowers the electrolyte's conductivity",
        source="reactions after Cornish & Marinescu (2021); area/porosity laws after Kumaresan et al., JES 155 (2008) "
               "A576 and Zhang et al., PCCP 17 (2015) 22581; precipitation after Marinescu et al. 2016; shuttle "
               "after Mikhaylik & Akridge, JES 151 (2004) A1969 with a transport limit (cellworks)",
        default_preset="chain3_literature",
        docs="docs/lis-model-chain3.md",
    ),
}


def list_models() -> list[dict[str, Any]]:
    """Every model as a JSON-ready dict (``cellworks lis models --json``)."""
    return [m.to_dict() for m in MODELS.values()]


def get_model(name: str) -> ModelInfo:
    """The model called ``name``."""
    try:
        return MODELS[name]
    except KeyError:
        raise ParameterError(f"unknown model '{name}' (known: {', '.join(MODELS)})", field="model",
                             token=name) from None


def model_name(params: Any) -> str:
    """The model a parameter set belongs to."""
    name = getattr(type(params), "MODEL", None)
    if name not in MODELS:
        raise ParameterError(f"not a parameter set of a known model: {type(params).__name__}", field="params")
    return str(name)


def pack(params: Any) -> np.ndarray:
    """Parameter vector of the compiled kernels for ``params`` (its model chosen by class)."""
    if model_name(params) == "chain3":
        from cellworks.lis.chain3 import pack_params

        return pack_params(params)
    from cellworks.lis.kernels.marinescu import pack_params as pack_m

    return pack_m(params)


def initial_state(params: Any) -> np.ndarray:
    """The initial state vector of ``params``."""
    if model_name(params) == "chain3":
        from cellworks.lis.chain3 import initial_state as init_c

        return init_c(params)
    from cellworks.lis.kernels.marinescu import initial_state as init_m

    return init_m(params)


__all__ = ["MODELS", "ModelInfo", "get_model", "initial_state", "list_models", "model_name", "pack"]
