"""numba's on-disk cache for cellworks' compiled kernels, keyed on every source file of the part.

numba keys a cached function on the source of the module that defines it. Our kernels inline
functions from sibling modules (the Li–S solver inlines ``lis/model.py``), so an edit there would
leave a stale compiled solver in the cache. The locators below make the key the hash of every ``.py``
file in the defining module's folder: any edit to the part recompiles its kernels, nothing is ever
deleted by hand. Import this module before defining ``@njit(cache=True)`` functions.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache

from numba.core.caching import CacheImpl, InTreeCacheLocator, UserWideCacheLocator

_ROOT = os.path.dirname(os.path.abspath(__file__))


@cache
def _folder_stamp(folder: str) -> str:
    """SHA-256 over the names and bytes of the folder's ``.py`` files (computed once per process)."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            digest.update(name.encode())
            with open(os.path.join(folder, name), "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()


class _PartStamp:
    _py_file: str

    @classmethod
    def from_function(cls, py_func, py_file):  # type: ignore[no-untyped-def]
        if not os.path.abspath(py_file).startswith(_ROOT + os.sep):
            return None  # not ours: numba's own locators decide
        return super().from_function(py_func, py_file)  # type: ignore[misc]

    def get_source_stamp(self) -> str:
        return _folder_stamp(os.path.dirname(os.path.abspath(self._py_file)))


class PartInTreeCacheLocator(_PartStamp, InTreeCacheLocator):
    """``__pycache__`` beside the source (editable installs, writable site-packages)."""


class PartUserWideCacheLocator(_PartStamp, UserWideCacheLocator):
    """The user's cache folder when the install is read-only."""


def install() -> None:
    """Put the part-stamped locators first (idempotent)."""
    classes = CacheImpl._locator_classes
    for cls in (PartUserWideCacheLocator, PartInTreeCacheLocator):
        if cls not in classes:
            classes.insert(0, cls)


install()
