"""Laser cutting rules: the part is a flat sheet cut straight through along its outline.

The outline is the part's cross-section halfway up. Features narrower than the kerf burn away (material)
or become a single cut line (holes and slots); an open outline cannot be cut as a closed shape; the part
must fit the laser's bed and the sheet must be no thicker than the machine cuts. Everything is in mm.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import manifold3d
import numpy as np

from app.checks.build_volume import fitting_turn
from app.checks.part import CheckedPart
from app.checks.planar import inscribed_width
from app.checks.report import MEASURE_TOLERANCE, CheckReport, Finding, located_faces, located_points
from app.checks.solid import as_solid, rings, signed_area

# Arcs of the kerf test are drawn with this many segments per turn.
ARC_SEGMENTS = 128


def check_laser(mesh: Any, laser: Mapping[str, float], thickness: float | None = None) -> CheckReport:
    """Check a flat part for cutting on `laser` (a laser profile's settings) from a sheet `thickness` mm
    thick (None: the part's own height)."""
    part = CheckedPart.of(mesh)
    sheet = float(part.extents[2]) if thickness is None else float(thickness)
    findings = _size_findings(part, laser, sheet)
    solid = as_solid(part)
    if solid is None:
        open_edges = part.open_edges
        findings.append(Finding(
            rule="laser.open_contour", severity="error",
            message=f"the part's outline is not closed ({len(open_edges)} open edges), so there is no inside "
                    "to cut out: close the outline in the CAD program",
            measured=float(len(open_edges)), limit=0.0, unit="edges", faces=located_faces(open_edges // 3),
            points=located_points(part.vertices[part.edges[open_edges]].mean(axis=1)),
        ))
        return CheckReport(process="laser", findings=tuple(findings))
    middle = float(part.bounds[0, 2] + part.bounds[1, 2]) / 2.0
    findings += _kerf_findings(solid.slice(middle), float(laser["kerf"]), middle)
    return CheckReport(process="laser", findings=tuple(findings))


def _size_findings(part: CheckedPart, laser: Mapping[str, float], sheet: float) -> list[Finding]:
    findings = []
    bed_x, bed_y = float(laser["bed_size_x"]), float(laser["bed_size_y"])
    size_x, size_y = (float(v) for v in part.extents[:2])
    if size_x > bed_x + MEASURE_TOLERANCE or size_y > bed_y + MEASURE_TOLERANCE:
        turn = fitting_turn(part.vertices[:, :2], bed_x, bed_y)
        advice = f"turn it by {turn:.0f} degrees on the bed" if turn is not None else \
            "split it into parts that fit, or use a larger laser"
        findings.append(Finding(
            rule="laser.fits_bed", severity="warning" if turn is not None else "error",
            message=f"the part is {size_x:.1f} x {size_y:.1f} mm but the laser's bed is {bed_x:g} x {bed_y:g} mm: "
                    f"{advice}",
            measured=round(max(size_x, size_y), 3), limit=max(bed_x, bed_y), unit="mm",
        ))
    limit = float(laser["max_cut_thickness"])
    if sheet > limit + MEASURE_TOLERANCE:
        findings.append(Finding(
            rule="laser.thickness", severity="error",
            message=f"the sheet is {sheet:.1f} mm thick but this laser cuts through at most {limit:g} mm: use "
                    "thinner material, a stronger laser, or another process (CNC)"
                    + (", or lay the part flat (--lay-flat): it stands on edge"
                       if part.extents[2] > min(size_x, size_y) else ""),
            measured=round(sheet, 3), limit=limit, unit="mm",
        ))
    return findings


def _kerf_findings(outline: manifold3d.CrossSection, kerf: float, z: float) -> list[Finding]:
    """Material narrower than the kerf (it burns away) and holes narrower than the kerf (one cut line)."""
    kept = outline.offset(-kerf / 2.0, manifold3d.JoinType.Round, 2.0, ARC_SEGMENTS) \
        .offset(kerf / 2.0, manifold3d.JoinType.Round, 2.0, ARC_SEGMENTS)
    lost = [piece for piece in (outline - kept).decompose() if piece.area() > kerf ** 2]
    narrow_holes = [ring for ring in rings(outline) if signed_area(ring) < 0.0 and inscribed_width(ring) < kerf]
    findings = []
    if lost:
        centres = [np.reshape(piece.bounds(), (2, 2)).mean(axis=0) for piece in lost]
        findings.append(Finding(
            rule="laser.small_feature", severity="error",
            message=f"{len(lost)} parts of the outline are narrower than the {kerf:g} mm kerf and will burn "
                    f"away: make them at least {kerf:g} mm wide (better twice that)",
            measured=round(sum(piece.area() for piece in lost), 4), limit=kerf, unit="mm2",
            points=located_points(np.array([[x, y, z] for x, y in centres])),
        ))
    if narrow_holes:
        findings.append(Finding(
            rule="laser.small_hole", severity="error",
            message=f"{len(narrow_holes)} holes or slots are narrower than the {kerf:g} mm kerf: the beam cuts "
                    f"them as a single line; widen them to at least {2 * kerf:g} mm",
            measured=round(min(inscribed_width(ring) for ring in narrow_holes), 4), limit=kerf,
            unit="mm", points=located_points(np.array([[*ring.mean(axis=0), z] for ring in narrow_holes])),
        ))
    return findings
