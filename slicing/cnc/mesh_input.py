"""Flat parts from the mesh of a built design: the faces parallel to the sheet give the depths, and
sections between them give what is cut through and what is pocketed to each depth.

The part lies on z = 0 (its bottom on the sheet's bottom) with its top at the sheet's top. Every upward
face below the top is a floor: the material that is gone just above it (the through outline less the
section there) is a pocket to that depth. What the section just above the bottom holds is the outline.
"""

from __future__ import annotations

import numpy as np
import trimesh

from slicing.cnc.flat import FlatPart, region_from_contours
from slicing.errors import SlicingError
from slicing.fdm import polygons

# Sections are taken this far from a floor, so they do not run along its faces.
_SECTION_OFFSET_MM = 1e-3
# Floors closer than this are one floor (a mesh's upward faces at "the same" height differ by rounding).
_LEVEL_TOLERANCE_MM = 1e-3
MAX_FLOORS = 32
# Sections at two heights meet the same walls a few µm apart; slivers thinner than twice this are that.
_SLIVER_MM = 0.01


def flat_part_from_mesh(mesh: trimesh.Trimesh, name: str) -> FlatPart:
    """The outline and pockets of a flat part (a solid of constant thickness with pockets from the top)."""
    zmin, zmax = (float(v) for v in mesh.bounds[:, 2])
    thickness = zmax - zmin
    if thickness <= 0:
        raise SlicingError(f"{name} has no thickness: a flat part needs a solid, not a face")
    outline = _section(mesh, zmin + _SECTION_OFFSET_MM)
    if not outline:
        raise SlicingError(f"{name}: nothing stands on the sheet at its bottom: is it a flat part?")
    up = mesh.face_normals[:, 2] > 1.0 - 1e-6
    heights = np.unique(np.round(mesh.triangles_center[up, 2] / _LEVEL_TOLERANCE_MM) * _LEVEL_TOLERANCE_MM)
    floors = [float(z) for z in heights if zmin + _LEVEL_TOLERANCE_MM < z < zmax - _LEVEL_TOLERANCE_MM]
    if len(floors) > MAX_FLOORS:
        raise SlicingError(f"{name} has {len(floors)} floor heights: a 2.5D router job takes at most {MAX_FLOORS}; "
                           "is it a flat part?")
    pockets = []
    for z in sorted(floors, reverse=True):
        gone = polygons.opening(polygons.difference(outline, _section(mesh, z + _SECTION_OFFSET_MM)), _SLIVER_MM)
        if gone:
            pockets.append((round(zmax - z, 6), gone))
    return FlatPart(name=name, outline=outline, thickness_mm=round(thickness, 6), pockets=tuple(pockets))


def _section(mesh: trimesh.Trimesh, z: float) -> polygons.Paths:
    section = mesh.section(plane_origin=[0.0, 0.0, z], plane_normal=[0.0, 0.0, 1.0])
    if section is None:
        return []
    return region_from_contours([np.asarray(ring)[:, :2] for ring in section.discrete])
