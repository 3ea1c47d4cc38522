"""Building designs off the UI thread, and handing only the newest result back to it.

The build itself runs in a worker process (parametric_designs.build); the thread here waits for it, places the
part on the bed, checks it and prepares the surface the view draws, so the UI thread only swaps actors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyvista as pv
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import USER_ERRORS
from parametric_designs.templates import Template

if TYPE_CHECKING:
    import trimesh

log = logging.getLogger(__name__)

# Edges sharper than this keep separate normals on each side: flat faces stay flat, fillets shade round.
SHARP_EDGE_DEG = 30.0
# How long closing the window waits for a cancelled build to stop; a build polls its cancel flag every 5 ms,
# an OpenSCAD render every 50 ms.
SHUTDOWN_WAIT_MS = 10_000


@dataclass(frozen=True)
class PlacedPart:
    """A design built with given parameters and standing on the printer's bed.

    `mesh` is in millimetres with the bed's front-left corner at the origin; `surface` is the same geometry
    with shading normals; `problems` are the check errors a person must know about (e.g. it overhangs the bed).
    """

    template: Template
    parameters: dict[str, Any]
    mesh: trimesh.Trimesh
    surface: pv.PolyData
    problems: tuple[str, ...]
    from_cache: bool


def build_on_bed(template: Template, values: Mapping[str, Any], settings: Mapping[str, Any],
                 cancel: Callable[[], bool] | None = None) -> PlacedPart:
    """Build `template` with `values`, centre it on the bed of `settings` and check that it fits there."""
    # Imported here, on the worker thread, not at the top: trimesh with scipy and networkx takes half a second
    # to import, and the window should be on screen before that is paid.
    from app.checks.fdm import check_fdm
    from parametric_designs.build import build_part
    from slicing.mesh import place_on_bed

    part = build_part(template, values, cancel=cancel)
    placed = place_on_bed(part.mesh, float(settings["bed_size_x"]), float(settings["bed_size_y"]))
    report = check_fdm(placed, settings)
    return PlacedPart(
        template=template,
        parameters=part.parameters,
        mesh=placed,
        surface=shaded_surface(placed),
        problems=tuple(finding.message for finding in report.errors),
        from_cache=part.from_cache,
    )


def shaded_surface(mesh: trimesh.Trimesh) -> pv.PolyData:
    """The mesh as VTK polydata with point normals split at sharp edges, ready for smooth shading."""
    surface = pv.PolyData.from_regular_faces(np.asarray(mesh.vertices), np.asarray(mesh.faces))
    # The mesh is already consistently wound and outward-facing (build.py checks it), so VTK need not reorient.
    return surface.compute_normals(
        cell_normals=False, point_normals=True, split_vertices=True, feature_angle=SHARP_EDGE_DEG,
        consistent_normals=False, auto_orient_normals=False,
    )


class _Job(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:
        self._work()


class BuildRunner(QObject):
    """Runs one build at a time on a worker thread; a newer request cancels the running one.

    Results are numbered; a result that is not the newest request's is dropped, so a slow, stale build can
    never overwrite what the person asked for last.
    """

    started = Signal(object)  # Template
    built = Signal(object)  # PlacedPart
    failed = Signal(str)  # a message for a person
    cancelled = Signal()

    # Emitted on the worker thread; Qt queues it to this object's (the UI) thread.
    _finished = Signal(int, object, object)

    def __init__(self, settings: Mapping[str, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = dict(settings)
        self._pool = QThreadPool(self)
        # One at a time: a cancelled build's worker process is killed before the next one starts.
        self._pool.setMaxThreadCount(1)
        self._request_number = 0
        self._cancel_running = threading.Event()
        self._busy = False
        self._shut_down = False
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        """Whether the newest request is still being built."""
        return self._busy

    @property
    def threads_running(self) -> int:
        """How many worker threads are still building (0 once `shutdown` has returned)."""
        return self._pool.activeThreadCount()

    def request(self, template: Template, values: Mapping[str, Any]) -> None:
        """Start building `template` with `values`; whatever was building before is cancelled and dropped."""
        if self._shut_down:
            return
        self._drop_running()
        self._request_number += 1
        number, cancel = self._request_number, threading.Event()
        self._cancel_running = cancel
        self._busy = True
        self._pool.start(_Job(lambda: self._build(number, template, dict(values), cancel)))
        self.started.emit(template)

    def cancel(self) -> None:
        """Stop the running build, if any, and say so."""
        if self._busy:
            self._drop_running()
            self.cancelled.emit()

    def discard_running(self) -> None:
        """Stop the running build without a word, e.g. because the values it was given are no longer wanted."""
        self._drop_running()

    def shutdown(self) -> None:
        """Cancel everything and wait for the worker thread to finish; no signal is emitted afterwards."""
        self._shut_down = True
        self._drop_running()
        self._pool.clear()
        if not self._pool.waitForDone(SHUTDOWN_WAIT_MS):
            log.warning("a build did not stop within %d ms of closing the window", SHUTDOWN_WAIT_MS)

    def _drop_running(self) -> None:
        self._cancel_running.set()
        self._request_number += 1  # whatever is in flight now answers an outdated request
        self._busy = False

    def _build(self, number: int, template: Template, values: dict[str, Any], cancel: threading.Event) -> None:
        # Runs on the worker thread: touch no widget here, only emit.
        try:
            part = build_on_bed(template, values, self._settings, cancel=cancel.is_set)
        except USER_ERRORS as exc:
            self._finished.emit(number, None, str(exc))
        except Exception as exc:  # a bug must reach the person as a message, never kill the thread silently
            log.exception("building %s failed unexpectedly", template.id)
            self._finished.emit(number, None, f"building {template.name} failed unexpectedly "
                                              f"({type(exc).__name__}: {exc}); this is a bug in localfab")
        else:
            self._finished.emit(number, part, None)

    def _deliver(self, number: int, part: PlacedPart | None, message: str | None) -> None:
        if self._shut_down or number != self._request_number:
            return
        self._busy = False
        if part is not None:
            self.built.emit(part)
        else:
            self.failed.emit(message or "the build failed without saying why")
