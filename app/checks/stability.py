"""First layer and stability: how much of the part holds it on the bed, and whether it can tip over.

Everything is in millimetres (areas in mm²). The part is checked as it stands, lowest point on the bed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

from app.checks.part import CheckedPart
from app.checks.planar import narrowest_width
from app.checks.report import Finding, located_faces, located_points


def bed_contact_faces(mesh: CheckedPart, first_layer_height: float) -> np.ndarray:
    """Indices of the downward facets that lie within half the first layer of the bed."""
    lowest = mesh.bounds[0, 2]
    near = mesh.triangles[:, :, 2].max(axis=1) <= lowest + first_layer_height / 2.0
    return np.flatnonzero(near & (mesh.face_normals[:, 2] < 0.0))


def stability_findings(mesh: CheckedPart, settings: Mapping[str, Any]) -> list[Finding]:
    """Findings for too little bed contact, a centre of mass beyond the footprint, and a tall, narrow part."""
    contact = bed_contact_faces(mesh, float(settings["first_layer_height"]))
    area = float(mesh.area_faces[contact].sum())
    findings = []
    least = float(settings["bed_contact_min_area"])
    if area < least:
        findings.append(Finding(
            rule="fdm.bed_contact", severity="warning",
            message=f"only {area:.1f} mm² of the part touches the bed, less than the {least:.0f} mm² that holds "
                    "this material down: add a brim (brim_width), lay a flat face down, or flatten the bottom",
            measured=round(area, 3), limit=least, unit="mm2", faces=located_faces(contact),
        ))
    if not len(contact):
        return findings
    footprint = shapely.MultiPoint(mesh.triangles[contact][:, :, :2].reshape(-1, 2)).convex_hull
    _, centre = CheckedPart.of(mesh).volume_and_centre
    outside = float(footprint.distance(shapely.Point(centre[:2])))
    if outside > 0.0:
        findings.append(Finding(
            rule="fdm.tipping", severity="warning",
            message=f"the centre of mass is {outside:.1f} mm beyond the area the part stands on, so it leans "
                    "on its first layer and may tip or peel off: add a brim or support under the heavy side, "
                    "or rotate the part so a broader face is down",
            measured=round(outside, 3), limit=0.0, unit="mm", points=located_points(centre),
        ))
    height = float(mesh.extents[2])
    base = narrowest_width(footprint)
    ratio_limit = float(settings["tip_max_height_ratio"])
    if base <= 0.0 or height / base > ratio_limit:
        ratio = height / base if base > 0.0 else float("inf")
        findings.append(Finding(
            rule="fdm.tall_and_narrow", severity="warning",
            message=f"the part is {height:.1f} mm tall on a base {base:.1f} mm wide (ratio "
                    f"{ratio:.1f}, limit {ratio_limit:g}): the nozzle may knock it over; add a brim, print it "
                    "lying down, or print slower",
            measured=round(ratio, 3) if base > 0.0 else None, limit=ratio_limit, unit="ratio",
            points=located_points(centre),
        ))
    return findings

