"""Wall thickness: how far a ray travels through the part from each facet straight inwards.

A ray from the middle of a facet along its inward normal leaves the part through the opposite wall; the
distance is the wall's local thickness in mm (exact for parallel walls, the radial wall of a tube, and the
diameter of a pin). Facet indices are the mesh's own; a patch of thin facets is located by its facet centres.
"""

from __future__ import annotations

import numpy as np

from app.checks.part import CheckedPart
from app.checks.rays import first_hits, ray_scene
from app.checks.regions import face_patches
from app.checks.report import MEASURE_TOLERANCE, Finding, located_faces, located_points

# Rays start this far (mm) inside the surface so they do not hit the facet they start from; far below the
# thinnest wall anything prints.
RAY_START_DEPTH = 1e-4
# Nozzle diameters (mm) sold for the common hot ends, for naming one that would print a thin wall properly.
COMMON_NOZZLES_MM = (0.15, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


def wall_thickness(mesh: CheckedPart) -> np.ndarray:
    """Per-facet local wall thickness in mm; inf where the ray leaves through a hole in the surface.

    `mesh` may also be a trimesh.Trimesh (anything with vertices, faces, face_normals, triangles_center).
    """
    scene = mesh.ray_scene if isinstance(mesh, CheckedPart) else ray_scene(mesh)
    inward = -np.asarray(mesh.face_normals)
    origins = np.asarray(mesh.triangles_center) + inward * RAY_START_DEPTH
    hits = first_hits(scene, origins, inward)
    return np.where(hits.faces >= 0, hits.distances + RAY_START_DEPTH, np.inf)


def thin_wall_findings(mesh: CheckedPart, thickness: np.ndarray, nozzle_diameter: float) -> list[Finding]:
    """Findings for the patches of wall thinner than two nozzle widths (mm): one error for walls too thin
    to print at all, one warning for the weak ones, each with the thinnest wall as its measure.

    Two lines side by side make a wall that holds together; anything thinner prints as one line, squeezed
    or widened. A wall under a quarter of the nozzle is dropped by the slicer (as PrusaSlicer's default
    minimum feature size does). Patches smaller than a nozzle-wide square are the slopes of sharp edges,
    not walls. A patch's thickness is the median over its facets, so rays grazing its rim do not count.
    """
    sturdy = 2.0 * nozzle_diameter
    printable = nozzle_diameter / 4.0
    weak, missing = [], []
    for patch in face_patches(mesh, thickness < sturdy - MEASURE_TOLERANCE):
        typical = float(np.median(thickness[patch]))
        if mesh.area_faces[patch].sum() < nozzle_diameter ** 2 or typical >= sturdy - MEASURE_TOLERANCE:
            continue
        (missing if typical < printable - MEASURE_TOLERANCE else weak).append((typical, patch))
    findings = []
    if missing:
        findings.append(_finding(mesh, missing, "error", f"too thin to print at all (under {printable:.2f} mm, "
                                 "so the slicer drops them)", sturdy))
    if weak:
        findings.append(_finding(mesh, weak, "warning", "printed as a single line, weak and not to size",
                                 sturdy))
    return findings


def _finding(mesh: CheckedPart, patches: list[tuple[float, np.ndarray]], severity: str, consequence: str,
             sturdy: float) -> Finding:
    thinnest = min(typical for typical, _ in patches)
    faces = np.concatenate([patch for _, patch in patches])
    # A finer nozzle is worth naming only if one is sold that makes this wall sturdy (two nozzle widths).
    finer = [size for size in COMMON_NOZZLES_MM if 2.0 * size <= thinnest + MEASURE_TOLERANCE and 2.0 * size < sturdy]
    nozzle = f", or use a {max(finer):g} mm nozzle" if finer else ""
    return Finding(
        rule="fdm.thin_wall", severity=severity,
        message=f"{len(patches)} walls or thin strokes (such as small embossed text), the thinnest "
                f"{thinnest:.2f} mm, are {consequence}: thicken this wall to at least {sturdy:.2f} mm{nozzle}",
        measured=round(thinnest, 3), limit=round(sturdy, 3), unit="mm",
        faces=located_faces(faces), points=located_points(mesh.triangles_center[np.sort(faces)]),
        every_face=np.unique(faces),
    )
