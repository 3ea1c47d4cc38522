"""Planning: the print order and speed of everything a layer extrudes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from slicing.fdm.features import (
    EXTERNAL_PERIMETER,
    INTERNAL_INFILL,
    PERIMETER,
    SKIRT,
    SOLID_INFILL,
    TOP_SOLID_INFILL,
)
from slicing.fdm.ordering import nearest_index, order_loops, order_segments
from slicing.fdm.settings import FdmSettings


@dataclass(frozen=True)
class IslandToolpaths:
    """What one island of a layer prints, not yet ordered.

    loops[k]: centre-line rings ((n, 2) mm) of the k-th perimeter, 0 being the external one;
    infill: (feature, (m, 2, 2) segments in mm) pairs, in the order the features are printed.
    """

    loops: tuple[list[np.ndarray], ...]
    infill: tuple[tuple[str, np.ndarray], ...]

    def anchor_points(self) -> np.ndarray:
        """Points the island can be entered at, as (n, 2) mm."""
        points = [ring for rings in self.loops for ring in rings]
        points += [segments.reshape(-1, 2) for _, segments in self.infill]
        return np.concatenate(points) if points else np.zeros((0, 2))


@dataclass(frozen=True)
class ExtrusionPath:
    """One continuous extrusion: points (n, 2) in mm in print order, speed in mm/s."""

    feature: str
    points: np.ndarray
    speed: float


@dataclass(frozen=True)
class LayerPlan:
    """Everything one layer prints, in order; top_z and height in mm."""

    top_z: float
    height: float
    paths: tuple[ExtrusionPath, ...]


def feature_speeds(settings: FdmSettings, *, first_layer: bool) -> dict[str, float]:
    """Extrusion speed of every feature in mm/s; the first layer is capped at first_layer_speed."""
    speeds = {
        EXTERNAL_PERIMETER: settings.external_perimeter_speed,
        PERIMETER: settings.perimeter_speed,
        SOLID_INFILL: settings.solid_infill_speed,
        TOP_SOLID_INFILL: settings.solid_infill_speed,
        INTERNAL_INFILL: settings.infill_speed,
        SKIRT: settings.perimeter_speed,
    }
    if first_layer:
        return {feature: min(speed, settings.first_layer_speed) for feature, speed in speeds.items()}
    return speeds


def plan_layer(
    islands: Sequence[IslandToolpaths],
    skirt: Sequence[np.ndarray],
    *,
    top_z: float,
    height: float,
    speeds: dict[str, float],
    start: np.ndarray,
) -> tuple[LayerPlan, np.ndarray]:
    """Order a layer's extrusions starting from the head position start (2,); returns the plan and the
    position the layer ends at.

    The skirt comes first, outermost loop first. Then island after island, nearest first: its perimeters
    from the innermost out, then its infill. The external perimeter goes last so it is laid against the
    inner loops already there: it keeps its place (accurate outer size) and the nozzle never crosses the
    visible surface afterwards. Printing it first would suit steep overhangs better, which this planner
    does not detect yet.
    """
    paths: list[ExtrusionPath] = []
    position = np.asarray(start, dtype=np.float64)

    for ring in skirt:
        (loop,) = order_loops([ring], position)
        paths.append(ExtrusionPath(SKIRT, loop, speeds[SKIRT]))
        position = loop[-1]

    remaining = [(island, island.anchor_points()) for island in islands]
    remaining = [(island, anchors) for island, anchors in remaining if len(anchors)]
    while remaining:
        island, _ = remaining.pop(nearest_index([anchors for _, anchors in remaining], position))
        for depth in reversed(range(len(island.loops))):
            feature = EXTERNAL_PERIMETER if depth == 0 else PERIMETER
            for loop in order_loops(island.loops[depth], position):
                paths.append(ExtrusionPath(feature, loop, speeds[feature]))
                position = loop[-1]
        for feature, segments in island.infill:
            for segment in order_segments(segments, position):
                paths.append(ExtrusionPath(feature, segment, speeds[feature]))
                position = segment[1]

    return LayerPlan(top_z=top_z, height=height, paths=tuple(paths)), position
