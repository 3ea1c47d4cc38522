"""Slicing the part on the bed, on a worker thread: the program, the recipe when the part is a design, and
the toolpaths as arrays ready for the layer preview.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv

from app.gui.placed_part import PlacedPart

if TYPE_CHECKING:
    from app.chain import Fabrication
    from app.profiles import FdmSetup
    from slicing.fdm import FdmProgram


@dataclass(frozen=True)
class ToolpathPreview:
    """Every layer's extrusions as line segments, bottom layer first.

    points: (2m, 3) float32 segment ends in mm; feature: (m,) index into `features`; layer_ends[k]: how many
    segments layers 0..k hold together; layer_z: each layer's top in mm.
    """

    points: np.ndarray
    feature: np.ndarray
    layer_ends: np.ndarray
    layer_z: tuple[float, ...]
    features: tuple[str, ...]

    @property
    def layer_count(self) -> int:
        return len(self.layer_ends)

    def features_present(self) -> tuple[str, ...]:
        """The feature names the program extrudes, in the program's order of features."""
        return tuple(self.features[index] for index in np.unique(self.feature))

    def lines_up_to(self, layer: int) -> pv.PolyData:
        """The toolpaths of layers 0..`layer` as lines with a `feature` cell array."""
        count = int(self.layer_ends[layer]) if self.layer_count else 0
        starts = np.arange(0, 2 * count, 2)
        lines = np.column_stack([np.full(count, 2), starts, starts + 1]).ravel()
        poly = pv.PolyData(self.points[: 2 * count], lines=lines)
        poly.cell_data["feature"] = self.feature[:count]
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
    counts = np.array([len(layer.segments) for layer in layers], dtype=np.int64)
    total = int(counts.sum())
    points = np.empty((2 * total, 3), dtype=np.float32)
    features = np.empty(total, dtype=np.uint8)
    start = 0
    for layer, count in zip(layers, counts, strict=True):
        stop = start + int(count)
        points[2 * start: 2 * stop, :2] = layer.segments.reshape(-1, 2)
        points[2 * start: 2 * stop, 2] = layer.z
        features[start:stop] = layer.feature
        start = stop
    return ToolpathPreview(points=points, feature=features, layer_ends=np.cumsum(counts),
                           layer_z=tuple(layer.z for layer in layers), features=program.features)
