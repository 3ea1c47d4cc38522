"""Infill: sparse patterns, solid skins, and bridges laid in one direction across the gap they span."""

from __future__ import annotations

import numpy as np

from slicing.fdm.features import BRIDGE_INFILL, INTERNAL_INFILL, SOLID_INFILL, TOP_SOLID_INFILL
from slicing.fdm.patterns import pattern_lines
from slicing.fdm.polygons import Paths
from slicing.fdm.raster import hatch
from slicing.fdm.settings import FdmSettings
from slicing.fdm.surfaces import IslandSurfaces
from slicing.fdm.widths import layer_widths

__all__ = ["bridge_angle", "hatch", "island_infill", "solid_infill_angle", "sparse_infill_spacing"]

# Bridge directions tried, in degrees: every 15°, enough to find the short way across any gap.
_BRIDGE_ANGLES = tuple(float(a) for a in range(0, 180, 15))


def solid_infill_angle(layer_index: int) -> float:
    """Solid layers cross each other at right angles: +45° on even layers, -45° on odd ones."""
    return 45.0 if layer_index % 2 == 0 else -45.0


def sparse_infill_angle(layer_index: int, infill_angle: float) -> float:
    """Rectilinear infill turns by 90° every layer, so stacked layers make a grid."""
    return infill_angle + 90.0 * (layer_index % 2)


def sparse_infill_spacing(line_width: float, infill_density: float) -> float | None:
    """Distance between rectilinear lines in mm for a density in percent; None when there is no infill."""
    if infill_density <= 0.0:
        return None
    return line_width * 100.0 / infill_density


def bridge_angle(area: Paths, line_width: float) -> float:
    """The direction (degrees) that crosses a bridge area by its shortest span: the one whose long lines
    (the 90th percentile of lengths, so short lines clipped off at corners do not count) are shortest,
    so each line hangs in the air for as short a length as possible."""
    best, best_length = _BRIDGE_ANGLES[0], np.inf
    for angle in _BRIDGE_ANGLES:
        lines = hatch(area, spacing=line_width, angle_deg=angle, min_length=0.0, align_to_area=True)
        if not len(lines):
            continue
        mean = float(np.percentile(np.hypot(*(lines[:, 1] - lines[:, 0]).T), 90))
        if mean < best_length - 1e-9:
            best, best_length = angle, mean
    return best


def island_infill(
    surfaces: IslandSurfaces, *, layer_index: int, settings: FdmSettings, z: float = 0.0
) -> tuple[tuple[str, list[np.ndarray] | np.ndarray], ...]:
    """Infill of one island as (feature, polylines) pairs in print order, the polylines a list of (n, 2)
    arrays in mm or one (m, 2, 2) array of straight lines: bridges first
    (onto what holds them), sparse infill, solid, then the top skin, so the visible surface comes last.

    z: the layer's top in mm, which the gyroid pattern follows. Each kind of line is spaced by its own
    width (see layer_widths); bridges by the solid infill's.
    """
    widths = layer_widths(settings, first_layer=layer_index == 0)
    infill: list[tuple[str, list[np.ndarray]]] = []
    if surfaces.bridge:
        width = widths.solid_infill
        angle = bridge_angle(surfaces.bridge, width)
        lines = hatch(surfaces.bridge, spacing=width, angle_deg=angle, min_length=width, align_to_area=True)
        infill.append((BRIDGE_INFILL, lines))
    density = settings.infill_density / 100.0
    if density > 0.0:
        sparse = pattern_lines(
            str(settings.infill_pattern),
            surfaces.sparse,
            density=density,
            line_width=widths.infill,
            angle_deg=settings.infill_angle,
            layer_index=layer_index,
            z=z,
        )
        infill.append((INTERNAL_INFILL, sparse))
    solid_angle = solid_infill_angle(layer_index)
    for feature, area, width in (
        (SOLID_INFILL, surfaces.solid, widths.solid_infill),
        (TOP_SOLID_INFILL, surfaces.top, widths.top_infill),
    ):
        solid = hatch(area, spacing=width, angle_deg=solid_angle, min_length=width, align_to_area=True)
        infill.append((feature, solid))
    return tuple((feature, lines) for feature, lines in infill if len(lines))
