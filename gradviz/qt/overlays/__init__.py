"""The explanation overlays: one module each, found here without a list to keep.

Every module of this package but :mod:`~gradviz.qt.overlays.base` defines one
:class:`~gradviz.qt.overlays.base.Overlay` subclass; :data:`OVERLAYS` holds them
in menu order, and :func:`overlay_named` finds one by its spec's name.
"""

from __future__ import annotations

import importlib
import pkgutil

from gradviz.qt.overlays.base import Overlay, OverlayGroup, OverlayInput, OverlaySpec, Place


def _find() -> tuple[type[Overlay], ...]:
    found: list[type[Overlay]] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        namespace = vars(importlib.import_module(f"{__name__}.{module.name}"))
        found += [value for value in namespace.values()
                  if isinstance(value, type) and issubclass(value, Overlay)
                  and value.__module__ == f"{__name__}.{module.name}"
                  and "spec" in vars(value)]
    names = [kind.spec.name for kind in found]
    doubled = {name for name in names if names.count(name) > 1}
    if doubled:
        raise TypeError(f"two overlays are named {', '.join(sorted(doubled))}")
    return tuple(sorted(found, key=lambda kind: (kind.spec.order, kind.spec.name)))


OVERLAYS: tuple[type[Overlay], ...] = _find()
"""Every overlay, in the View menu's order."""

OVERLAY_NAMES: frozenset[str] = frozenset(kind.spec.name for kind in OVERLAYS)


def overlay_named(name: str) -> type[Overlay]:
    """The overlay whose spec is named ``name``.

    Raises
    ------
    KeyError
        For a name no overlay has, with the names there are.
    """
    for kind in OVERLAYS:
        if kind.spec.name == name:
            return kind
    raise KeyError(f"no overlay is named {name!r}; choose from {', '.join(sorted(OVERLAY_NAMES))}")


__all__ = ["OVERLAYS", "OVERLAY_NAMES", "Overlay", "OverlayGroup", "OverlayInput", "OverlaySpec", "Place",
           "overlay_named"]
