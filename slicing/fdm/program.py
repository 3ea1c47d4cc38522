"""The result of FDM slicing: the machine program and what a person wants to know before printing it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from slicing.fdm.features import FEATURE_ID, FEATURES
from slicing.fdm.plan import ExtrusionPath, LayerPlan
from slicing.gcode.estimate import GcodeEstimate


@dataclass(frozen=True)
class LayerToolpaths:
    """One layer's extrusions for a preview, as parallel arrays with one row per straight segment.

    segments: (m, 2, 2) float32 start and end in mm; feature: (m,) uint8 index into FEATURES; width: (m,)
    float32 mm; z: the layer's top in mm; height: its height in mm; travels: (t, 2, 2) float32, the moves
    without extrusion between the layer's paths, through the corners of routed travels.
    """

    z: float
    height: float
    segments: np.ndarray
    feature: np.ndarray
    width: np.ndarray
    travels: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 2), dtype=np.float32))


@dataclass(frozen=True)
class FdmProgram:
    """gcode: the whole program; layer_z: top of each printed layer in mm, bottom first; estimate: time and
    material read back from the G-code; warnings: things a person should know, each saying what to do;
    layers: the toolpaths of every layer by feature, for a layer preview (names in `features`)."""

    gcode: str
    layer_z: tuple[float, ...]
    estimate: GcodeEstimate
    warnings: tuple[str, ...]
    layers: tuple[LayerToolpaths, ...] = ()
    features: tuple[str, ...] = FEATURES


def layer_toolpaths(plan: LayerPlan, line_width: float) -> LayerToolpaths:
    """The preview arrays of one planned layer."""
    paths = [path for path in plan.paths if len(path.points) > 1]
    if not paths:
        empty = np.zeros((0, 2, 2), dtype=np.float32)
        return LayerToolpaths(plan.top_z, plan.height, empty, np.zeros(0, np.uint8), np.zeros(0, np.float32))
    points = np.concatenate([path.points for path in paths]).astype(np.float32)
    counts = np.array([len(path.points) for path in paths])
    segments = np.stack([points[:-1], points[1:]], axis=1)
    # Drop the steps from one path's end to the next path's start (travels) and steps that do not move.
    keep = np.ones(len(segments), dtype=bool)
    keep[np.cumsum(counts)[:-1] - 1] = False
    per_point_feature = np.repeat([FEATURE_ID[path.feature] for path in paths], counts)[:-1]
    widths = [line_width if path.width is None else path.width for path in paths]
    per_point_width = np.repeat(np.asarray(widths, dtype=np.float32), counts)[:-1]
    rounded = np.round(segments.astype(np.float64), 3)
    keep &= np.any(rounded[:, 0] != rounded[:, 1], axis=1)
    return LayerToolpaths(
        plan.top_z, plan.height, segments[keep], per_point_feature[keep].astype(np.uint8), per_point_width[keep],
        _travels(paths),
    )


def _travels(paths: Sequence[ExtrusionPath]) -> np.ndarray:
    """The travel segments from each path's end to the next path's start, through a routed travel's corners."""
    pieces = []
    for before, after in itertools.pairwise(paths):
        route = [before.points[-1:], *([] if after.travel is None else [after.travel]), after.points[:1]]
        points = np.concatenate(route).astype(np.float32)
        pieces.append(np.stack([points[:-1], points[1:]], axis=1))
    if not pieces:
        return np.zeros((0, 2, 2), dtype=np.float32)
    travels = np.concatenate(pieces)
    return travels[np.any(np.round(travels[:, 0], 3) != np.round(travels[:, 1], 3), axis=1)]


def preview_layers(plans: Sequence[LayerPlan], line_width: float) -> tuple[LayerToolpaths, ...]:
    return tuple(layer_toolpaths(plan, line_width) for plan in plans)
