"""Overhangs and bridges: the downward-facing surfaces that print over air.

An overhang's angle is measured from vertical, as the profile's `support_material_angle` is: a wall is
0 degrees, a flat ceiling 90. Facets on the bed print on the bed, not over air. A patch of overhanging facets
that lies within one layer is a flat ceiling, printed as a bridge between the walls that hold it; any other patch
needs support. Everything is in millimetres and degrees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

from app.checks.part import CheckedPart
from app.checks.regions import face_patches
from app.checks.report import MEASURE_TOLERANCE, Finding, located_faces, located_points


def overhang_angles(normals: np.ndarray) -> np.ndarray:
    """Per-facet overhang angle from vertical in degrees (0 for walls and upward faces, 90 for ceilings)."""
    downward = np.clip(-normals[:, 2], 0.0, 1.0)
    return np.degrees(np.arcsin(downward))


def needs_support(mesh: CheckedPart, support_angle: float, first_layer_height: float) -> np.ndarray:
    """Boolean mask of facets steeper than `support_angle` (degrees from vertical) and not on the bed."""
    lowest = mesh.bounds[0, 2]
    on_bed = mesh.triangles[:, :, 2].max(axis=1) <= lowest + first_layer_height / 2.0
    return (overhang_angles(mesh.face_normals) > support_angle + MEASURE_TOLERANCE) & ~on_bed


def overhang_findings(mesh: CheckedPart, settings: Mapping[str, Any]) -> list[Finding]:
    """An overhang finding for the patches that need support, and one finding per bridge too long."""
    support_angle = float(settings["support_material_angle"])
    steep = needs_support(mesh, support_angle, float(settings["first_layer_height"]))
    overhangs = []
    longest = float(settings["bridge_max_length"])
    # Sample ceilings at the nozzle's width: the finest detail a bridge's span can be judged by.
    step = float(settings["nozzle_diameter"])
    findings = []
    for patch in face_patches(mesh, steep):
        corners = mesh.triangles[patch]
        if np.ptp(corners[:, :, 2]) > float(settings["layer_height"]):
            overhangs.append(patch)
            continue
        # No point of a ceiling is farther from its walls than its plan-view diagonal.
        if 2.0 * float(np.linalg.norm(np.ptp(corners[:, :, :2].reshape(-1, 2), axis=0))) <= longest:
            continue
        span = bridge_span(mesh, patch, step)
        if not math.isfinite(span):
            overhangs.append(patch)  # a flat underside no wall holds: an overhang, not a bridge
        elif span > longest + MEASURE_TOLERANCE:
            findings.append(_bridge_finding(mesh, patch, span, longest))
    if overhangs:
        findings.append(_overhang_finding(mesh, np.concatenate(overhangs), support_angle,
                                          bool(settings["support_material"])))
    return findings


def _overhang_finding(mesh: CheckedPart, faces: np.ndarray, support_angle: float,
                      supported: bool) -> Finding:
    area = float(mesh.area_faces[faces].sum())
    steepest = float(overhang_angles(mesh.face_normals[faces]).max())
    where = f"{area:.0f} mm² of overhang steeper than {support_angle:.0f} degrees from vertical"
    if supported:
        message = f"{where} will be printed on support (support is on): expect marks where it is removed"
    else:
        message = (f"{where} would print over air: turn support on, or rotate the part so these faces point "
                   "less downwards (see `localfab check --orient`), or chamfer them to "
                   f"{support_angle:.0f} degrees")
    return Finding(
        rule="fdm.overhang", severity="info" if supported else "warning", message=message,
        measured=round(steepest, 2), limit=support_angle, unit="deg",
        faces=located_faces(faces), points=located_points(mesh.triangles_center[faces]), every_face=np.unique(faces),
    )


def bridge_span(mesh: CheckedPart, patch: np.ndarray, step: float) -> float:
    """How far (mm) the flat ceiling `patch` spans over air: twice the greatest distance from a point of it to
    the nearest edge where a wall holds it up from below (a ceiling held on two sides spans the gap between
    them; one held on all sides, its shorter side; a ledge held on one side, twice its reach). Points are
    sampled `step` mm apart. Infinite when no wall holds it."""
    # The facets of a patch meet edge to edge without overlapping: a coverage, which unites fast.
    ceiling = shapely.coverage_union_all(shapely.polygons(mesh.triangles[patch][:, :, :2]))
    supports = _supported_edges(mesh, patch)
    if supports is None or ceiling.is_empty:
        return math.inf
    low_x, low_y, high_x, high_y = ceiling.bounds
    grid_x, grid_y = np.meshgrid(np.arange(low_x, high_x + step, step), np.arange(low_y, high_y + step, step))
    inside = shapely.contains_xy(ceiling, grid_x.ravel(), grid_y.ravel())
    rim = shapely.get_coordinates(shapely.segmentize(ceiling.boundary, step))
    samples = np.vstack([np.column_stack([grid_x.ravel()[inside], grid_y.ravel()[inside]]), rim])
    return 2.0 * float(shapely.distance(supports, shapely.points(samples)).max())


def _supported_edges(mesh: CheckedPart, patch: np.ndarray) -> shapely.Geometry | None:
    """The rim edges of `patch` (plan view) whose neighbouring facet outside the patch lies below them: a
    wall that holds the ceiling up. None when there is none."""
    in_patch = np.zeros(len(mesh.faces), dtype=bool)
    in_patch[patch] = True
    pairs = np.asarray(mesh.face_adjacency)
    rim = pairs[in_patch[pairs[:, 0]] != in_patch[pairs[:, 1]]]
    inner = np.where(in_patch[rim[:, 0]], rim[:, 0], rim[:, 1])
    outer = np.where(in_patch[rim[:, 0]], rim[:, 1], rim[:, 0])
    below = mesh.triangles_center[outer, 2] < mesh.triangles_center[inner, 2] - MEASURE_TOLERANCE
    if not below.any():
        return None
    inner_corners, outer_corners = mesh.faces[inner[below]], mesh.faces[outer[below]]
    shared = (inner_corners[:, :, None] == outer_corners[:, None, :]).any(axis=2)  # two corners per row
    ends = inner_corners[shared].reshape(-1, 2)
    return shapely.multilinestrings(shapely.linestrings(mesh.vertices[ends][:, :, :2]))


def _bridge_finding(mesh: CheckedPart, patch: np.ndarray, span: float, longest: float) -> Finding:
    return Finding(
        rule="fdm.bridge", severity="warning",
        message=f"a flat ceiling bridges {span:.1f} mm over air, but the material bridges at most {longest:.1f} mm "
                "before it sags: add support, a pillar under it, or an arch or 45 degree chamfer instead of the "
                "flat ceiling",
        measured=round(span, 3), limit=longest, unit="mm",
        faces=located_faces(patch), points=located_points(mesh.triangles_center[patch]), every_face=np.unique(patch),
    )
