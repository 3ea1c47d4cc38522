"""Does the part fit the printer's build volume, as it stands, turned on the bed, or laid on a side?

Everything is in millimetres and degrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from app.checks.part import CheckedPart
from app.checks.report import MEASURE_TOLERANCE, Finding
from slicing.mesh import AnyMesh
from slicing.placement import rotated_z

# Turns about Z tried when the footprint does not fit as it stands (degrees; a footprint repeats every 180).
TURN_STEP_DEG = 1.0


def fitting_turn(points_xy: np.ndarray, bed_x: float, bed_y: float) -> float | None:
    """The turn about Z (degrees) that fits the points' footprint on the bed with the most room to spare
    (the smallest such turn on a tie), or None when no turn fits."""
    angles = np.radians(np.arange(0.0, 180.0, TURN_STEP_DEG))
    cos, sin = np.cos(angles), np.sin(angles)
    x = np.outer(cos, points_xy[:, 0]) - np.outer(sin, points_xy[:, 1])
    y = np.outer(sin, points_xy[:, 0]) + np.outer(cos, points_xy[:, 1])
    room = np.minimum(bed_x - np.ptp(x, axis=1), bed_y - np.ptp(y, axis=1))
    if room.max() < -MEASURE_TOLERANCE:
        return None
    return float(np.degrees(angles[np.argmax(np.round(room, 6))]))


def turned_to_fit(mesh: AnyMesh, bed_x: float, bed_y: float) -> AnyMesh:
    """The mesh turned about Z by the smallest turn that makes its footprint fit a bed of `bed_x` by `bed_y`
    mm; the mesh itself when it fits as it is or when no turn helps (the check then says so)."""
    size_x, size_y = (float(v) for v in mesh.extents[:2])
    if size_x <= bed_x + MEASURE_TOLERANCE and size_y <= bed_y + MEASURE_TOLERANCE:
        return mesh
    turn = fitting_turn(_hull_points(mesh)[:, :2], bed_x, bed_y)
    return mesh if turn is None else rotated_z(mesh, turn)


def build_volume_findings(mesh: AnyMesh, settings: Mapping[str, Any]) -> list[Finding]:
    """Errors when the part is larger than the bed or taller than the printer reaches, with what would fit."""
    size_x, size_y, size_z = (float(v) for v in mesh.extents)
    bed_x, bed_y = float(settings["bed_size_x"]), float(settings["bed_size_y"])
    height = float(settings["max_print_height"])
    findings = []
    if size_x > bed_x + MEASURE_TOLERANCE or size_y > bed_y + MEASURE_TOLERANCE:
        turn = fitting_turn(_hull_points(mesh)[:, :2], bed_x, bed_y)
        if turn is not None:
            advice = f"turn it by {turn:.0f} degrees on the bed (`localfab make` does this itself)"
        else:
            advice = _side_advice(_hull_points(mesh), bed_x, bed_y, height) or \
                "scale it down, split it, or choose a printer with a larger bed"
        over = max(size_x - bed_x, size_y - bed_y)
        findings.append(Finding(
            rule="fdm.fits_bed", severity="warning" if turn is not None else "error",
            message=f"the part's footprint is {size_x:.1f} x {size_y:.1f} mm but the bed is "
                    f"{bed_x:.0f} x {bed_y:.0f} mm ({over:.1f} mm too large): {advice}",
            measured=round(max(size_x, size_y), 3), limit=round(max(bed_x, bed_y), 3), unit="mm",
        ))
    if size_z > height + MEASURE_TOLERANCE:
        advice = _side_advice(_hull_points(mesh), bed_x, bed_y, height) or "scale it down or split it"
        findings.append(Finding(
            rule="fdm.fits_height", severity="error",
            message=f"the part is {size_z:.1f} mm tall but the printer reaches {height:.0f} mm: {advice}",
            measured=round(size_z, 3), limit=height, unit="mm",
        ))
    return findings


def _side_advice(hull: np.ndarray, bed_x: float, bed_y: float, height: float) -> str | None:
    """Which side to lay the part on so that it fits (with a turn on the bed if needed), or None."""
    for up, name in ((0, "its X side"), (1, "its Y side")):
        if float(np.ptp(hull[:, up])) > height + MEASURE_TOLERANCE:
            continue
        flat = hull[:, [axis for axis in range(3) if axis != up]]
        turn = fitting_turn(flat, bed_x, bed_y)
        if turn is not None:
            turned = f" and turn it by {turn:.0f} degrees" if turn else ""
            return f"lay it on {name}{turned}"
    return None


def _hull_points(mesh: AnyMesh) -> np.ndarray:
    """The corners of the mesh's convex hull (mm): all a footprint depends on, far fewer than its vertices.
    Only a part that does not fit as it stands needs it, so trimesh is imported only then."""
    return np.asarray(CheckedPart.of(mesh).to_trimesh().convex_hull.vertices)
