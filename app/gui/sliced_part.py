"""Slicing the part on the bed, on a worker thread: the program, the recipe when the part is a design, and
the toolpaths as arrays ready for the layer preview.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv

from app.gui.feature_colours import TRAVEL
from app.gui.placed_part import PlacedPart

if TYPE_CHECKING:
    from app.chain import Fabrication
    from app.profiles import FdmSetup
    from slicing.fdm import FdmProgram


@dataclass(frozen=True)
class ToolpathPreview:
    """Every layer's extrusions as line segments, bottom layer first, and each layer's travels.

    points: (2m, 3) float32 segment ends in mm; feature: (m,) index into `features`; layer_ends[k]: how many
    segments layers 0..k hold together; layer_z: each layer's top in mm; travel_points and travel_ends: the
    same for the moves without extrusion.
    """

    points: np.ndarray
    feature: np.ndarray
    layer_ends: np.ndarray
    layer_z: tuple[float, ...]
    features: tuple[str, ...]
    travel_points: np.ndarray
    travel_ends: np.ndarray

    @property
    def layer_count(self) -> int:
        return len(self.layer_ends)

    @property
    def names(self) -> tuple[str, ...]:
        """What each value of a drawn line's `feature` array names: the features, then travel."""
        return (*self.features, TRAVEL)

    def features_present(self) -> tuple[str, ...]:
        """The feature names the program extrudes, in the program's order of features, and travel if any."""
        present = tuple(self.features[index] for index in np.unique(self.feature))
        return (*present, TRAVEL) if len(self.travel_points) else present

    def lines_up_to(self, layer: int) -> pv.PolyData:
        """The toolpaths of layers 0..`layer` and the travels of `layer`, as lines with a `feature` cell array
        (an index into `names`)."""
        count = int(self.layer_ends[layer]) if self.layer_count else 0
        first = int(self.travel_ends[layer - 1]) if layer > 0 else 0
        last = int(self.travel_ends[layer]) if self.layer_count else 0
        points = np.concatenate([self.points[: 2 * count], self.travel_points[2 * first: 2 * last]])
        total = count + last - first
        starts = np.arange(0, 2 * total, 2)
        lines = np.column_stack([np.full(total, 2), starts, starts + 1]).ravel()
        poly = pv.PolyData(points, lines=lines)
        poly.cell_data["feature"] = np.concatenate([
            self.feature[:count], np.full(last - first, len(self.features), dtype=self.feature.dtype),
        ])
        return poly


@dataclass(frozen=True)
class SlicedPart:
    """A sliced part: the program with its estimate, the recipe made with it (designs only), the preview."""

    part: PlacedPart
    setup: FdmSetup
    program: FdmProgram
    fabrication: Fabrication | None
    preview: ToolpathPreview


def slice_on_bed(part: PlacedPart, setup: FdmSetup, cancel: Callable[[], bool],
                 progress: Callable[[float, str], None]) -> SlicedPart:
    """Check and slice `part` for `setup`; a design's part is recorded as a recipe on the way."""
    from app.chain import fabricate
    from slicing.fdm import slice_mesh
    from slicing.fdm.settings import FdmSettings

    if part.built is not None:
        fabrication = fabricate(part.built, setup, progress=progress, cancel=cancel)
        program = fabrication.program
    else:
        fabrication = None
        program = slice_mesh(part.mesh, FdmSettings.from_mapping(setup.settings), progress=progress, cancel=cancel)
    return SlicedPart(part=part, setup=setup, program=program, fabrication=fabrication,
                      preview=toolpath_preview(program))


def toolpath_preview(program: FdmProgram) -> ToolpathPreview:
    """The program's per-layer toolpaths gathered into the arrays the layer preview draws from."""
    layers = program.layers
    points, counts = _segment_ends([(layer.segments, layer.z) for layer in layers])
    travel_points, travel_counts = _segment_ends([(layer.travels, layer.z) for layer in layers])
    features = np.concatenate([layer.feature for layer in layers]) if layers else np.zeros(0, np.uint8)
    return ToolpathPreview(points=points, feature=features.astype(np.uint8), layer_ends=np.cumsum(counts),
                           layer_z=tuple(layer.z for layer in layers), features=program.features,
                           travel_points=travel_points, travel_ends=np.cumsum(travel_counts))


def _segment_ends(layers: list[tuple[np.ndarray, float]]) -> tuple[np.ndarray, np.ndarray]:
    """The ends ((2m, 3) float32 mm) of every layer's (k, 2, 2) segments at its height, and each layer's k."""
    counts = np.array([len(segments) for segments, _ in layers], dtype=np.int64)
    points = np.empty((2 * int(counts.sum()), 3), dtype=np.float32)
    start = 0
    for (segments, z), count in zip(layers, counts.tolist(), strict=True):
        points[2 * start: 2 * (start + count), :2] = segments.reshape(-1, 2)
        points[2 * start: 2 * (start + count), 2] = z
        start += count
    return points, counts
