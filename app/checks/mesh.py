"""Mesh integrity rules: is the mesh a closed, consistently oriented solid of a believable size that a
slicer can trust? Run after `repair_mesh`, so what is reported here is what could not be repaired."""

from __future__ import annotations

import manifold3d
import numpy as np

from app.checks.intersections import overlapping_bodies, self_crossings
from app.checks.part import CheckedPart
from app.checks.report import Finding, located_faces, located_points
from slicing.placement import unit_hint


def triangle_soup_finding(mesh: CheckedPart) -> Finding | None:
    """An error when no two facets share an edge: loose triangles with no inside, which no repair can mend
    (checked before repairing, since closing each triangle's 'hole' would make nonsense of it)."""
    if len(mesh.open_edges) < 3 * len(mesh.faces):
        return None
    return Finding(
        rule="mesh.triangle_soup", severity="error",
        message=f"no two of the {len(mesh.faces)} facets share an edge: this is a loose triangle soup, "
                "not a solid; export the part again from its CAD program as a closed solid",
        measured=float(len(mesh.faces)), unit="facets",
    )


def check_mesh_integrity(mesh: CheckedPart, solid: manifold3d.Manifold | None) -> list[Finding]:
    """Findings about the surface itself: holes, winding, self-intersections, overlapping bodies, bodies,
    units.

    `solid` is the mesh as a manifold3d solid (app.checks.solid.as_solid), None when it is not one.
    """
    open_rows = mesh.open_edges
    findings: list[Finding] = []
    if len(open_rows):
        findings.append(_open_edges(mesh, open_rows))
    if not mesh.is_winding_consistent:
        findings.append(Finding(
            rule="mesh.winding", severity="error",
            message="neighbouring facets face opposite ways and could not be turned to agree (the surface "
                    "is not orientable or edges are shared by more than two facets); fix the normals and "
                    "non-manifold edges in the CAD program or a mesh repair tool",
        ))
    if mesh.is_winding_consistent:
        findings.extend(_self_crossings(mesh))
    if solid is not None:
        findings.extend(_overlapping_bodies(solid))
    bodies = mesh.body_count
    if bodies > 1:
        findings.append(Finding(
            rule="mesh.bodies", severity="info",
            message=f"the part is made of {bodies} separate bodies; each is printed as its own object",
            measured=float(bodies), unit="bodies",
        ))
    hint = unit_hint(mesh)
    if hint is not None:
        findings.append(Finding(
            rule="mesh.units", severity="warning",
            message=hint.message(), measured=round(hint.largest_mm, 4), unit="mm",
        ))
    return findings


def _open_edges(mesh: CheckedPart, open_rows: np.ndarray) -> Finding:
    open_edges = mesh.edges[open_rows]
    return Finding(
        rule="mesh.watertight", severity="error",
        message=f"the mesh has {len(open_edges)} open edges (holes in its surface too large to close safely), "
                "so its inside is not defined; close the holes in the CAD program or with a mesh repair tool",
        measured=float(len(open_edges)), limit=0.0, unit="edges",
        faces=located_faces(open_rows // 3),
        points=located_points(mesh.vertices[open_edges].mean(axis=1)),
    )


def _self_crossings(mesh: CheckedPart) -> list[Finding]:
    faces, where = self_crossings(mesh)
    if not len(faces):
        return []
    return [Finding(
        rule="mesh.self_intersection", severity="warning",
        message=f"the surface cuts through itself at {len(faces)} places, so inside and outside are mixed up "
                "there and the slicer may fill or leave out the wrong region: check the marked places and "
                "rebuild or repair that part of the model in the CAD program",
        measured=float(len(faces)), limit=0.0, unit="crossings",
        faces=located_faces(faces), points=located_points(where),
    )]


def _overlapping_bodies(solid: manifold3d.Manifold) -> list[Finding]:
    overlaps = overlapping_bodies(solid)
    if not overlaps:
        return []
    volume = sum(o.volume for o in overlaps)
    return [Finding(
        rule="mesh.overlapping_bodies", severity="warning",
        message=f"{len(overlaps)} pairs of bodies cut into each other ({volume:.1f} mm³ shared); the slicer "
                "unites them, which is right for parts pushed together but hides modelling mistakes: check "
                "the marked places, and union the bodies in the CAD program",
        measured=float(len(overlaps)), limit=0.0, unit="overlaps",
        points=located_points(np.array([o.centre for o in overlaps])),
    )]
