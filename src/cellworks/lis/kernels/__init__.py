"""Compiled kernels of ``cellworks.lis`` (numba): the models, the Rosenbrock steps and the protocol driver.

Kept in their own folder so that the numba cache (keyed on the folder's source,
:mod:`cellworks._numba_cache`) is invalidated only by edits to the compiled code itself.

* :mod:`~cellworks.lis.kernels.marinescu` — Marinescu, Zhang & Offer (2016), two reactions;
* :mod:`~cellworks.lis.kernels.chain3` — the three-reaction chain to Li₂S;
* :mod:`~cellworks.lis.kernels.dispatch` — the model switch the driver calls;
* :mod:`~cellworks.lis.kernels.rodas` — Rodas4/Rodas3 steps and the conservation projection;
* :mod:`~cellworks.lis.kernels.driver` — protocol steps, events, end reasons.
"""
