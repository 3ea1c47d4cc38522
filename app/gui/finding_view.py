"""Where a check finding is on the part, as the 3D view shows it: which facets to paint in which colour, which
points to mark, and the box to frame. Pure numpy over the part's mesh and the findings' fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import trimesh

# Marks as BedView.paint_facets takes them: 0 plain, 1 the chosen finding, 2 overhang, 3 thin wall.
SELECTED_MARK = 1
OVERLAY_MARKS = {"fdm.overhang": 2, "fdm.bridge": 2, "fdm.thin_wall": 3}
# Framing a finding leaves this much room around it, in mm, so a single facet is not blown up to fill the view.
FINDING_MARGIN_MM = 10.0
# Chosen facets whose mean normal points further down than this (z component) are looked at from below.
FACING_DOWN = -0.3


@dataclass(frozen=True)
class FindingView:
    """marks: one per facet of the mesh; points: (n, 3) mm to mark; frame: (xmin, xmax, ymin, ymax, zmin,
    zmax) mm to look at, None when the finding has no place; from_below: look at it through the bed."""

    marks: np.ndarray
    points: np.ndarray
    frame: np.ndarray | None
    from_below: bool


def finding_view(mesh: trimesh.Trimesh, findings: Iterable[Any], chosen: Any, overlay: bool) -> FindingView:
    """How to show `chosen` (a Finding, or None) on `mesh`, with every overhang and thin wall of `findings`
    painted too when `overlay` is asked for."""
    facets = len(mesh.faces)
    marks = np.zeros(facets, dtype=np.int64)
    if overlay:
        for finding in findings:
            mark = OVERLAY_MARKS.get(finding.rule)
            if mark is not None:
                marks[valid_faces(concerned_faces(finding), facets)] = mark
    faces = valid_faces(concerned_faces(chosen), facets) if chosen is not None else np.zeros(0, dtype=np.int64)
    marks[faces] = SELECTED_MARK
    # Painted facets say where well enough; points are marked for what has none (e.g. a spot too thin).
    located = chosen is not None and not len(faces)
    points = np.asarray(chosen.points, dtype=float).reshape(-1, 3) if located else np.zeros((0, 3))
    where = np.vstack([np.asarray(mesh.vertices)[np.asarray(mesh.faces)[faces]].reshape(-1, 3), points])
    if not len(where):
        return FindingView(marks, points, None, False)
    # Overhangs face the bed: look at them from below, or the part hides what was chosen.
    facing_down = bool(len(faces)) and float(mesh.face_normals[faces].mean(axis=0)[2]) < FACING_DOWN
    return FindingView(marks, points, frame_around(where), facing_down)


def frame_around(points: np.ndarray) -> np.ndarray:
    """The box (xmin, xmax, ymin, ymax, zmin, zmax) mm to look at to see (n, 3) points, n > 0, with room
    around them."""
    low, high = points.min(axis=0) - FINDING_MARGIN_MM, points.max(axis=0) + FINDING_MARGIN_MM
    return np.column_stack([low, high]).ravel()


def concerned_faces(finding: Any) -> Iterable[int]:
    """Every facet a finding concerns where the check kept them all, else the ones its report lists."""
    return finding.every_face if finding.every_face is not None else finding.faces


def valid_faces(faces: Iterable[int], facets: int) -> np.ndarray:
    """A finding's facet indices that exist on this mesh (a repair may have renumbered the checked copy)."""
    indices = np.asarray(faces if isinstance(faces, np.ndarray) else tuple(faces), dtype=np.int64)
    return indices[(indices >= 0) & (indices < facets)]
