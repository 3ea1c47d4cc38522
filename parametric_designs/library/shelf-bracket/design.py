"""Shelf bracket with an optional gusset and countersunk screw holes, built with CadQuery; sizes in mm.

The bracket is its side view (X out from the wall, Y up) extruded by its width, and prints lying on that
side: every layer is a whole L, so the corner that carries the shelf is not split along layer lines, and
nothing overhangs except the horizontal screw holes (small enough to bridge). The gusset is a diagonal brace
with a triangular opening where there is room for one. Screw holes are placed where a screwdriver can reach
them: in the wall plate below the gusset (heads on the front) and in the arm beyond it (heads underneath,
screwing up into the shelf), two per leg where they fit, else one.
"""

import math

import cadquery as cq

EDGE = 3.0  # material between a screw head and the end of a leg or the gusset
MIN_OPENING = 4.0  # smaller openings in the gusset are left solid


def countersunk_hole(diameter, head, depth_to_face, axis, centre) -> cq.Solid:
    """A through hole along `axis` (a unit cq.Vector) whose 90-degree countersink opens on the face at
    `centre + axis * depth_to_face`; the hole starts 1 mm behind the other face."""
    start = centre - axis * 1.0
    shaft = cq.Solid.makeCylinder(diameter / 2 + 0.15, depth_to_face + 2.0, start, axis)
    sink = (head - diameter) / 2
    cone_base = centre + axis * (depth_to_face - sink)
    return shaft.fuse(cq.Solid.makeCone(diameter / 2, head / 2 + 0.5, sink + 0.5, cone_base, axis))


def build(*, shelf_depth, height, thickness, width, gusset, screw_diameter, countersink):
    t = thickness
    reach = 0.6 * min(height, shelf_depth) - t  # the gusset's legs along the wall plate and the arm
    corner = t  # chamfer in the inside corner when there is no gusset
    under_arm = height - t
    if gusset:
        outline = [(0, 0), (t, 0), (t, under_arm - reach), (t + reach, under_arm), (shelf_depth, under_arm),
                   (shelf_depth, height), (0, height)]
        wall_end, arm_start = under_arm - reach, t + reach
    else:
        outline = [(0, 0), (t, 0), (t, under_arm - corner), (t + corner, under_arm), (shelf_depth, under_arm),
                   (shelf_depth, height), (0, height)]
        wall_end, arm_start = under_arm - corner, t + corner
    bracket = cq.Workplane("XY").polyline(outline).close().extrude(width)

    if gusset:
        # The gusset triangle inset by the thickness on all three sides leaves a brace of that thickness.
        leg = reach - t * (2 + math.sqrt(2))
        if leg >= MIN_OPENING:
            corner_x, corner_y = 2 * t, under_arm - t
            opening = (cq.Workplane("XY").polyline([(corner_x, corner_y), (corner_x, corner_y - leg),
                                                    (corner_x + leg, corner_y)]).close()
                       .extrude(width + 2).translate((0, 0, -1)))
            bracket = bracket.cut(opening)

    head = 2 * screw_diameter if countersink else screw_diameter + 0.3
    mid = width / 2

    def spots(start, end):  # one or two hole centres between start and end, clear of both by a head + EDGE
        first, last = start + head / 2 + EDGE, end - head / 2 - EDGE
        if last - first >= head + EDGE:
            return [first, last]
        return [(start + end) / 2]

    holes = [countersunk_hole(screw_diameter, head, t, cq.Vector(1, 0, 0), cq.Vector(0, y, mid))
             for y in spots(0.0, wall_end)]
    holes += [countersunk_hole(screw_diameter, head, t, cq.Vector(0, -1, 0), cq.Vector(x, height, mid))
              for x in spots(arm_start, shelf_depth)]
    bracket = bracket.cut(cq.Workplane("XY").newObject([cq.Compound.makeCompound(holes)]))
    # Turned 45 degrees on the bed so that the usual front-right view shows the L upright.
    return bracket.rotate((0, 0, 0), (0, 0, 1), 45)
