"""Storage box with a drop-in lid, built with CadQuery; all sizes in millimetres.

The outside corners are rounded by filleting only the vertical edges of an extruded rectangle (filleting all
edges and then shelling gives an invalid solid in OCCT); the cavity is the same shape offset inwards by the
wall, so the wall keeps its thickness around the corners.
"""

import cadquery as cq

LID_GAP = 8.0  # mm between the box and the lid on the bed
LIP_HEIGHT_MAX = 6.0  # mm


def rounded_block(width: float, depth: float, height: float, radius: float) -> cq.Workplane:
    block = cq.Workplane("XY").rect(width, depth).extrude(height)
    if radius > 0.01:
        block = block.edges("|Z").fillet(radius)
    return block


def rounded_ring(width: float, depth: float, height: float, radius: float, thickness: float) -> cq.Workplane:
    outer = rounded_block(width, depth, height, radius)
    inner = rounded_block(width - 2 * thickness, depth - 2 * thickness, height, max(radius - thickness, 0.0))
    return outer.cut(inner)


def build(*, width, depth, height, wall, corner_radius, lid_clearance):
    body = rounded_block(width, depth, height, corner_radius)
    cavity = rounded_block(width - 2 * wall, depth - 2 * wall, height, max(corner_radius - wall, 0.0))
    box = body.cut(cavity.translate((0, 0, wall)))

    lip_width = width - 2 * wall - 2 * lid_clearance
    lip_depth = depth - 2 * wall - 2 * lid_clearance
    lip_radius = max(corner_radius - wall - lid_clearance, 0.0)
    lip_height = min(LIP_HEIGHT_MAX, height - 2 * wall)
    plate = rounded_block(width, depth, wall, corner_radius)
    lip = rounded_ring(lip_width, lip_depth, lip_height, lip_radius, wall).translate((0, 0, wall))
    lid = plate.union(lip).translate((width + LID_GAP, 0, 0))

    return box.add(lid)
