"""Built-in scenes computed to their end in a controller without a window, for the
module-scoped fixtures of the tests that export or measure them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from gradviz.core.scenes import Scene, builtin_scenes
from gradviz.qt.control.controller import AppController
from gradviz.qt.export import exporter


def finished_scene(number: int, overlays: tuple[str, ...] | None = None,
                   change: Callable[[Scene], Scene] | None = None) -> Iterator[AppController]:
    """A controller, no window, with built-in scene ``number`` computed to its end (with
    ``overlays`` shown in place of its own, if given, and made over by ``change``), then
    shut down: for a fixture to yield from."""
    controller = AppController()
    controller.start()
    scene = next(s for s in builtin_scenes() if s.number == number)
    if overlays is not None:
        scene = dataclasses.replace(scene, overlays=overlays)
    if change is not None:
        scene = change(scene)
    exporter.show_scene_finished(controller, scene, timeout=60)
    yield controller
    controller.shutdown()
