"""Spur gear with a true involute tooth profile, built with CadQuery; sizes in mm, angles in degrees.

Standard full-depth teeth: addendum 1 module, dedendum 1.25 module. Each flank is the involute of the base
circle, sampled in numpy and drawn as a spline; below the base circle (few teeth) the flank continues as a
radial line to the root circle. The tooth is thinned by half the backlash at the pitch circle, so two gears
made with the same backlash mesh with that much play. The outline is one wire extruded once.
"""

import math

import cadquery as cq
import numpy as np

ADDENDUM = 1.0  # in modules
DEDENDUM = 1.25  # in modules
FLANK_POINTS = 9


def involute(angle: np.ndarray) -> np.ndarray:
    return np.tan(angle) - angle


def polar(radius: float, angle: float) -> cq.Vector:
    return cq.Vector(radius * math.cos(angle), radius * math.sin(angle), 0)


def gear_outline(module: float, teeth: int, pressure_angle: float, backlash: float) -> cq.Wire:
    """The closed outline of the gear in the XY plane, centred on the origin."""
    alpha = math.radians(pressure_angle)
    pitch_r = module * teeth / 2
    base_r = pitch_r * math.cos(alpha)
    tip_r = pitch_r + ADDENDUM * module
    root_r = pitch_r - DEDENDUM * module
    start_r = max(base_r, root_r)  # where the involute starts
    half_tooth = (math.pi * module / 2 - backlash / 2) / (2 * pitch_r)  # half the tooth's angle at the pitch circle

    def half_angle(radius):  # angle from the tooth's centre line to its flank at `radius`
        return half_tooth + involute(alpha) - involute(np.arccos(base_r / np.asarray(radius)))

    # A sharp tooth has no tip land: shorten it until a small land remains.
    while half_angle(tip_r) * tip_r < 0.05 * module:
        tip_r -= 0.02 * module
    radii = np.linspace(start_r, tip_r, FLANK_POINTS)
    flank = half_angle(radii)
    start_angle = float(flank[0])

    edges = []
    step = 2 * math.pi / teeth
    for k in range(teeth):
        centre = k * step
        if root_r < base_r:
            edges.append(cq.Edge.makeLine(polar(root_r, centre - start_angle), polar(base_r, centre - start_angle)))
        edges.append(cq.Edge.makeSpline([polar(r, centre - a) for r, a in zip(radii, flank, strict=True)]))
        edges.append(cq.Edge.makeThreePointArc(polar(tip_r, centre - flank[-1]), polar(tip_r, centre),
                                               polar(tip_r, centre + flank[-1])))
        edges.append(cq.Edge.makeSpline([polar(r, centre + a)
                                         for r, a in zip(radii[::-1], flank[::-1], strict=True)]))
        if root_r < base_r:
            edges.append(cq.Edge.makeLine(polar(base_r, centre + start_angle), polar(root_r, centre + start_angle)))
        edges.append(cq.Edge.makeThreePointArc(polar(root_r, centre + start_angle), polar(root_r, centre + step / 2),
                                               polar(root_r, centre + step - start_angle)))
    return cq.Wire.assembleEdges(edges)


def build(*, module, teeth, pressure_angle, face_width, backlash, bore, hub_diameter, hub_height):
    outline = gear_outline(module, teeth, float(pressure_angle), backlash)
    gear = cq.Workplane("XY").newObject([cq.Solid.extrudeLinear(cq.Face.makeFromWires(outline),
                                                                cq.Vector(0, 0, face_width))])
    if hub_height > 0:
        hub = cq.Solid.makeCylinder(hub_diameter / 2, hub_height + 0.5, cq.Vector(0, 0, face_width - 0.5))
        gear = gear.union(cq.Workplane("XY").newObject([hub]))
    if bore > 0:
        hole = cq.Solid.makeCylinder(bore / 2, face_width + hub_height + 2, cq.Vector(0, 0, -1))
        gear = gear.cut(cq.Workplane("XY").newObject([hole]))
    return gear
