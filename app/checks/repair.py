"""Safe mesh repairs, each reported: merge vertices, drop degenerate facets, fix winding and normals, fill
small holes. A repair that would make the mesh worse (open a crack) is not made.

Everything is in millimetres. The input mesh is never changed; the repaired copy and the list of what was
changed are returned, so the report can say exactly what the checks looked at. Mending winding and holes
uses trimesh, imported only when a mesh needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.checks.part import CheckedPart
from app.checks.report import Finding, located_faces, located_points
from slicing.triangles import welded

# A facet whose area is below this fraction of the mean facet area has no direction worth trusting.
DEGENERATE_AREA_SHARE = 1e-9


def repair_mesh(mesh: Any) -> tuple[CheckedPart, list[Finding]]:
    """A repaired copy of `mesh` (a trimesh, the slicer's TriangleMesh or a CheckedPart) and one info finding
    per kind of repair that changed something."""
    original = CheckedPart.of(mesh)
    changes: list[Finding] = []
    part = original if original.is_watertight else _welded(original)
    dropped = len(original.vertices) - len(part.vertices)
    if dropped:
        changes.append(Finding(rule="mesh.repair.merged_vertices", severity="info",
                               message=f"merged {dropped} coincident or unused vertices", measured=float(dropped),
                               unit="vertices"))
    for repair in (_drop_degenerate, _fix_orientation, _fill_small_holes):
        part, change = repair(part)
        if change is not None:
            changes.append(change)
    return part, changes


def _welded(part: CheckedPart) -> CheckedPart:
    """The part with coincident vertices merged. A closed surface has none that matter (each edge already
    joins two facets), so only an open one is welded; welding keeps vertex and facet order, and a part it
    leaves the same size is kept with what has been worked out about it already."""
    merged = welded(part.vertices, part.faces)
    if len(merged.vertices) == len(part.vertices) and len(merged.faces) == len(part.faces):
        return part
    return CheckedPart(merged.vertices, merged.faces)


def degenerate_faces(part: CheckedPart) -> np.ndarray:
    """Indices of facets with (almost) no area: three corners on one line."""
    areas = part.area_faces
    scale = float(areas.mean()) if len(areas) else 0.0
    return np.flatnonzero(areas <= scale * DEGENERATE_AREA_SHARE)


def _drop_degenerate(part: CheckedPart) -> tuple[CheckedPart, Finding | None]:
    """Drop zero-area facets, unless they close a T-junction (dropping them would open the surface)."""
    degenerate = degenerate_faces(part)
    if not len(degenerate):
        return part, None
    if not _removable(part, degenerate):
        return part, Finding(
            rule="mesh.repair.degenerate_kept", severity="info",
            message=f"{len(degenerate)} facets have no area; they close T-junctions between neighbouring "
                    "facets, so they were kept (slicers ignore them)",
            measured=float(len(degenerate)), unit="facets", faces=located_faces(degenerate),
            points=located_points(part.triangles_center[degenerate]),
        )
    keep = np.ones(len(part.faces), dtype=bool)
    keep[degenerate] = False
    kept = welded(part.vertices, part.faces[keep])
    return CheckedPart(kept.vertices, kept.faces), Finding(
        rule="mesh.repair.degenerate_dropped", severity="info",
        message=f"dropped {len(degenerate)} facets that had no area", measured=float(len(degenerate)),
        unit="facets", points=located_points(part.triangles_center[degenerate]),
    )


def _removable(part: CheckedPart, faces: np.ndarray) -> bool:
    """Whether dropping `faces` leaves every one of their edges shared by two facets or by none."""
    dropped = np.sort(part.faces[faces][:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    unique, dropped_count = np.unique(dropped, axis=0, return_counts=True)
    left = part.edge_counts(unique) - dropped_count
    return bool(((left == 0) | (left == 2)).all())


def _fix_orientation(part: CheckedPart) -> tuple[CheckedPart, Finding | None]:
    """Make neighbouring facets agree on their winding, then turn the whole surface outwards."""
    fixed = part
    if not part.is_winding_consistent:
        import trimesh  # only for a mesh that needs mending

        mesh = part.to_trimesh()
        trimesh.repair.fix_winding(mesh)
        fixed = CheckedPart(mesh.vertices, mesh.faces)
    if fixed.is_watertight and fixed.volume_and_centre[0] < 0:
        fixed = CheckedPart(fixed.vertices, fixed.faces[:, ::-1])
    flipped = np.flatnonzero((fixed.faces != part.faces).any(axis=1))
    if not len(flipped):
        return part, None
    return fixed, Finding(
        rule="mesh.repair.winding", severity="info",
        message=f"turned {len(flipped)} facets that faced inwards so that every facet faces out",
        measured=float(len(flipped)), unit="facets", faces=located_faces(flipped),
    )


def _fill_small_holes(part: CheckedPart) -> tuple[CheckedPart, Finding | None]:
    """Close holes of three or four edges (a missing facet or two); larger holes are left for the checks."""
    if part.is_watertight:
        return part, None
    import trimesh  # only for a mesh that needs mending

    mesh = part.to_trimesh()
    trimesh.repair.fill_holes(mesh)
    added = len(mesh.faces) - len(part.faces)
    if added <= 0:
        return part, None
    return CheckedPart(mesh.vertices, mesh.faces), Finding(
        rule="mesh.repair.filled_holes", severity="info",
        message=f"closed small holes in the surface with {added} new facets", measured=float(added),
        unit="facets", faces=located_faces(np.arange(len(part.faces), len(mesh.faces))),
    )
