"""The facet normals an STL file stores: many exporters write zeros or wrong ones. localfab never trusts
them (it takes each facet's direction from its corner order, as slicers do); this says how many were wrong,
so the report tells what was fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from stl import mesh as numpy_stl

from app.checks.report import Finding


def stored_normal_findings(path: Path) -> list[Finding]:
    """An info finding when an STL file's stored normals are missing or disagree with the corner order."""
    if Path(path).suffix.lower() != ".stl":
        return []
    stl = numpy_stl.Mesh.from_file(str(path), calculate_normals=False)
    triangles = np.asarray(stl.vectors, dtype=np.float64)
    stored = np.asarray(stl.normals, dtype=np.float64)
    from_corners = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    # A stored normal is wrong when it is zero or points away from the corner-order direction.
    wrong = np.einsum("ij,ij->i", stored, from_corners) <= 0.0
    count = int(wrong.sum())
    if not count:
        return []
    return [Finding(
        rule="mesh.repair.stored_normals", severity="info",
        message=f"{count} of the file's {len(stored)} stored facet normals were missing or wrong; they were "
                "recomputed from the order of each facet's corners (nothing to do)",
        measured=float(count), limit=0.0, unit="facets",
    )]
