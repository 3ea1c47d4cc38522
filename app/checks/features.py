"""Small features seen layer by layer: islands too small to print and holes too small to form.

The solid is cut at the middle of every layer the printer will lay. An island (a separate piece of a
layer) smaller than a nozzle-wide square is a speck the nozzle cannot draw; a hole narrower than two nozzle
widths closes up or comes out undersized, as its perimeters squeeze into it (a warning: the part still
prints). A hole's width is the diameter of the largest circle inside it: a round hole's diameter, a slot's
width. Everything is in millimetres.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import manifold3d
import numpy as np

from app.checks.planar import inscribed_width
from app.checks.report import MEASURE_TOLERANCE, Finding, located_points
from app.checks.solid import rings, section_heights, signed_area


def small_feature_findings(solid: manifold3d.Manifold, settings: Mapping[str, Any]) -> list[Finding]:
    """A finding for islands too small to print and one per hole too small to form."""
    nozzle = float(settings["nozzle_diameter"])
    low, high = np.split(np.asarray(solid.bounding_box(), dtype=np.float64), 2)
    heights = section_heights(float(low[2]), float(high[2]), float(settings["first_layer_height"]),
                              float(settings["layer_height"]))
    specks, holes = [], {}
    for z in heights:
        for ring in rings(solid.slice(float(z))):
            area = signed_area(ring)
            centre = ring.mean(axis=0)
            if 0.0 < area < nozzle ** 2 - MEASURE_TOLERANCE:
                specks.append((centre[0], centre[1], z, area))
            elif area < 0.0:
                width = inscribed_width(ring)
                if width < 2.0 * nozzle - MEASURE_TOLERANCE:
                    # One hole runs through many layers: keep its narrowest layer, keyed by where it is.
                    key = tuple(np.round(centre / nozzle).astype(int))
                    if key not in holes or width < holes[key][3]:
                        holes[key] = (centre[0], centre[1], z, width)
    findings = []
    if specks:
        smallest = min(s[3] for s in specks)
        findings.append(Finding(
            rule="fdm.small_feature", severity="warning",
            message=f"{len(specks)} layer islands are smaller than a {nozzle:.2f} mm nozzle can draw (smallest "
                    f"{smallest:.3f} mm²), so they will be missing or blobs: enlarge these details or "
                    "remove them",
            measured=round(smallest, 4), limit=round(nozzle ** 2, 4), unit="mm2",
            points=located_points(np.array([s[:3] for s in specks])),
        ))
    if holes:
        narrowest = min(hole[3] for hole in holes.values())
        findings.append(Finding(
            rule="fdm.small_hole", severity="warning",
            message=f"{len(holes)} holes narrower than {2.0 * nozzle:.2f} mm (the narrowest {narrowest:.2f} mm) "
                    f"will close up or come out undersized with a {nozzle:.2f} mm nozzle: widen them to at "
                    f"least {2.0 * nozzle:.2f} mm, or drill them out after printing",
            measured=round(narrowest, 3), limit=round(2.0 * nozzle, 3), unit="mm",
            points=located_points(np.array([holes[key][:3] for key in sorted(holes)])),
        ))
    return findings
