"""Mesh integrity rules: is the mesh a closed, consistently oriented solid that a slicer can trust?"""

from __future__ import annotations

import numpy as np
import trimesh

from app.checks.report import Finding

# How many open edges are located in a finding: enough to show where, few enough to keep reports small.
MAX_LOCATED = 200


def check_mesh_integrity(mesh: trimesh.Trimesh) -> list[Finding]:
    findings: list[Finding] = []
    edges = mesh.edges_sorted
    open_rows = trimesh.grouping.group_rows(edges, require_count=1)
    open_edges = edges[open_rows]
    if len(open_edges) and len(open_edges) == len(edges):
        return [Finding(
            rule="mesh.triangle_soup", severity="error",
            message=f"no two of the {len(mesh.faces)} facets share an edge: this is a loose triangle soup, "
                    "not a solid; export the part again from its CAD program as a closed solid",
            measured=float(len(mesh.faces)), unit="facets",
        )]
    if len(open_edges):
        midpoints = mesh.vertices[open_edges[:MAX_LOCATED]].mean(axis=1)
        faces = np.unique(mesh.edges_face[open_rows[:MAX_LOCATED]])
        findings.append(Finding(
            rule="mesh.watertight", severity="error",
            message=f"the mesh has {len(open_edges)} open edges (holes in its surface), so its inside is not "
                    "defined; close the holes in the CAD program or with a mesh repair tool",
            measured=float(len(open_edges)), limit=0.0, unit="edges",
            faces=tuple(int(f) for f in faces), points=_points(midpoints),
        ))
    if not mesh.is_winding_consistent:
        findings.append(Finding(
            rule="mesh.winding", severity="error",
            message="neighbouring facets face opposite ways, so inside and outside are mixed up; "
                    "fix the normals in a mesh repair tool",
        ))
    elif len(open_edges) == 0 and mesh.volume < 0:
        findings.append(Finding(
            rule="mesh.inverted", severity="warning",
            message="every facet faces inwards; the part is read inside-out and will be flipped for slicing",
            measured=float(mesh.volume), unit="mm3",
        ))
    bodies = mesh.body_count
    if bodies > 1:
        findings.append(Finding(
            rule="mesh.bodies", severity="info",
            message=f"the part is made of {bodies} separate bodies; each is printed as its own object",
            measured=float(bodies), unit="bodies",
        ))
    return findings


def _points(array: np.ndarray) -> tuple[tuple[float, float, float], ...]:
    return tuple((round(float(x), 4), round(float(y), 4), round(float(z), 4)) for x, y, z in array)
