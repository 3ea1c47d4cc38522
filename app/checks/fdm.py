"""FDM rules: the mesh must be a solid, and it must fit the printer's build volume."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import trimesh

from app.checks.mesh import check_mesh_integrity
from app.checks.report import CheckReport, Finding


def check_fdm(mesh: trimesh.Trimesh, settings: Mapping[str, Any]) -> CheckReport:
    """Check a part for FDM printing on the printer described by `settings` (bed_size_x/y, max_print_height)."""
    findings = check_mesh_integrity(mesh)
    findings.extend(_check_build_volume(mesh, settings))
    return CheckReport(process="fdm", findings=tuple(findings))


def _check_build_volume(mesh: trimesh.Trimesh, settings: Mapping[str, Any]) -> list[Finding]:
    size_x, size_y, size_z = (float(v) for v in mesh.extents)
    bed_x, bed_y = float(settings["bed_size_x"]), float(settings["bed_size_y"])
    height = float(settings["max_print_height"])
    findings = []
    fits_flat = size_x <= bed_x and size_y <= bed_y
    if not fits_flat:
        turned = size_y <= bed_x and size_x <= bed_y
        advice = ("turn it by 90 degrees on the bed" if turned
                  else "scale it down, split it, or choose a printer with a larger bed")
        over = max(size_x - bed_x, size_y - bed_y)
        findings.append(Finding(
            rule="fdm.fits_bed", severity="error",
            message=f"the part's footprint is {size_x:.1f} x {size_y:.1f} mm but the bed is "
                    f"{bed_x:.0f} x {bed_y:.0f} mm ({over:.1f} mm too large): {advice}",
            measured=round(max(size_x, size_y), 3), limit=round(max(bed_x, bed_y), 3), unit="mm",
        ))
    if size_z > height:
        findings.append(Finding(
            rule="fdm.fits_height", severity="error",
            message=f"the part is {size_z:.1f} mm tall but the printer reaches {height:.0f} mm: lay it on its "
                    "side, scale it down or split it",
            measured=round(size_z, 3), limit=height, unit="mm",
        ))
    return findings
