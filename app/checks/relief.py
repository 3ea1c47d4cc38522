"""Relief lower than a layer: embossed or engraved detail (text, logos, ribs) whose height the printer
cannot reproduce, because it lays the part in layers of `layer_height`.

The part's flat upward faces sit at a few heights; where two heights lie closer together than one layer, the
upper step is a relief the layers round away or print unevenly. Everything is in millimetres.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from app.checks.part import CheckedPart
from app.checks.report import MEASURE_TOLERANCE, Finding, located_faces, located_points

# A facet counts as flat and facing up when its normal is this close to vertical.
FLAT_NORMAL_Z = 1.0 - 1e-6
# Steps lower than this fraction of a layer are the CAD program's rounding, not relief anyone drew: they
# vanish without a trace, and warning about them would only bury the real findings.
MIN_RELIEF_FRACTION = 0.25


def shallow_relief_findings(part: CheckedPart, settings: Mapping[str, Any]) -> list[Finding]:
    """A warning for flat tops that stand (or sink) less than one layer above (below) the next flat level."""
    layer = float(settings["layer_height"])
    flat = np.flatnonzero(part.face_normals[:, 2] >= FLAT_NORMAL_Z)
    if not len(flat):
        return []
    heights = np.round(part.triangles_center[flat, 2], 4)
    levels = np.unique(heights)
    steps = np.diff(levels)
    shallow = np.flatnonzero((steps >= MIN_RELIEF_FRACTION * layer) & (steps < layer - MEASURE_TOLERANCE))
    if not len(shallow):
        return []
    faces = flat[np.isin(heights, levels[shallow + 1])]
    lowest = float(steps[shallow].min())
    return [Finding(
        rule="fdm.shallow_relief", severity="warning",
        message=f"raised or sunk detail (such as embossed or engraved text) only {lowest:.2f} mm high is less "
                f"than one {layer:.2f} mm layer and will vanish or print unevenly: make it at least "
                f"{2 * layer:.2f} mm high, or print with thinner layers",
        measured=round(lowest, 4), limit=layer, unit="mm",
        faces=located_faces(faces), points=located_points(part.triangles_center[faces]),
    )]
