"""Gridfinity bin, built with CadQuery; all sizes in millimetres.

Gridfinity numbers: a 42 mm grid, 7 mm height units, bins 0.5 mm smaller than the grid (0.25 mm clearance
each side) with 3.75 mm outside corners. Each grid unit stands on its own foot whose side, from the bed up,
is a 0.8 mm 45-degree chamfer, 1.8 mm straight and a 2.15 mm 45-degree chamfer (4.75 mm in all). The
stacking lip on top takes the foot of the bin above: its inside, from the tip up, is a 0.7 mm 45-degree
chamfer, 1.8 mm straight and a 1.9 mm 45-degree chamfer (4.4 mm in all).

Every sloped surface is a ruled loft between offset rounded rectangles, so the corners stay concentric and
each foot and the lip's cutter is a single solid.
"""

import math

import cadquery as cq

PITCH = 42.0  # grid pitch
UNIT_HEIGHT = 7.0  # height unit
CLEARANCE = 0.5  # bin is this much smaller than the grid (0.25 mm each side)
OUTER_RADIUS = 3.75  # outside corner radius of the bin and of the top of each foot
# The foot's side, bottom to top, as (inset from the foot's top outline, height).
FOOT_PROFILE = ((2.95, 0.0), (2.15, 0.8), (2.15, 2.6), (0.0, 4.75))
FLOOR = 7.0  # top of the solid floor above the bed (4.75 mm foot + 2.25 mm bridge)
WALL = 1.2  # outside wall (three 0.4 mm lines)
DIVIDER = 1.2  # divider wall thickness
LIP_HEIGHT = 4.4
# The inside of the stacking lip, from the tip up, as (inset from the outside, height above the body top).
# The top 0.6 mm of the 45-degree slope is left as a flat rim instead of a knife edge.
LIP_PROFILE = ((2.6, 0.0), (1.9, 0.7), (1.9, 2.5), (0.6, 3.8), (0.6, LIP_HEIGHT + 0.5))
LIP_SUPPORT = 1.2  # straight drop under the lip's tip before the 45-degree slope back to the wall
MAGNET_DIAMETER = 6.5
MAGNET_DEPTH = 2.4
MAGNET_OFFSET = 13.0  # from the unit's centre along X and Y
LABEL_THICKNESS = 1.2
OVERLAP = 0.3  # internal features reach this far into the walls and floor, so unions never share a face
FEATURE_DROP = 0.6  # dividers and the label shelf stop this far below the body top, clear of a stacked bin


def rounded_rect(width: float, depth: float, radius: float, z: float) -> cq.Wire:
    """A closed wire: a rectangle centred on the Z axis at height z with corners of `radius` (> 0)."""
    hx, hy = width / 2 - radius, depth / 2 - radius
    d = radius * math.sqrt(0.5)
    edges = []
    for sx, sy in ((1, 1), (-1, 1), (-1, -1), (1, -1)):  # each corner's arc, then the side to the next corner
        cx, cy = sx * hx, sy * hy
        start = cq.Vector(cx + (radius if sx * sy > 0 else 0) * sx, cy + (radius if sx * sy < 0 else 0) * sy, z)
        end = cq.Vector(cx + (radius if sx * sy < 0 else 0) * sx, cy + (radius if sx * sy > 0 else 0) * sy, z)
        edges.append(cq.Edge.makeThreePointArc(start, cq.Vector(cx + sx * d, cy + sy * d, z), end))
    wire_edges = []
    for k, arc in enumerate(edges):
        wire_edges.append(arc)
        following = edges[(k + 1) % 4]
        wire_edges.append(cq.Edge.makeLine(arc.endPoint(), following.startPoint()))
    return cq.Wire.assembleEdges(wire_edges)


def ruled_stack(width: float, depth: float, radius: float, profile, z0: float) -> cq.Solid:
    """A solid lofted through rounded rectangles inset by each profile step (inset, height above z0)."""
    wires = [rounded_rect(width - 2 * inset, depth - 2 * inset, radius - inset, z0 + height)
             for inset, height in profile]
    return cq.Solid.makeLoft(wires, True)


def build(*, width_units, depth_units, height_units, dividers, label_shelf, stacking_lip, magnet_holes):
    width = width_units * PITCH - CLEARANCE
    depth = depth_units * PITCH - CLEARANCE
    body_top = height_units * UNIT_HEIGHT
    foot_top = FOOT_PROFILE[-1][1]
    top = body_top + (LIP_HEIGHT if stacking_lip else 0.0)

    # One foot per grid unit, joined by the body above them.
    foot = ruled_stack(PITCH - CLEARANCE, PITCH - CLEARANCE, OUTER_RADIUS, FOOT_PROFILE, 0.0)
    centres = [((i - (width_units - 1) / 2) * PITCH, (j - (depth_units - 1) / 2) * PITCH)
               for i in range(width_units) for j in range(depth_units)]
    feet = [foot.translate(cq.Vector(x, y, 0)) for x, y in centres]
    body = (cq.Workplane("XY").workplane(offset=foot_top).rect(width, depth).extrude(top - foot_top)
            .edges("|Z").fillet(OUTER_RADIUS))
    body = body.union(cq.Workplane("XY").newObject([cq.Compound.makeCompound(feet)]))

    # The cavity: straight walls from the floor, then (with a lip) a 45-degree support and the lip profile.
    inner_inset = WALL
    if stacking_lip:
        tip_inset = LIP_PROFILE[0][0]
        slope_bottom = -LIP_SUPPORT - (tip_inset - WALL)
        profile = [(WALL, FLOOR - body_top), (WALL, slope_bottom), (tip_inset, -LIP_SUPPORT), *LIP_PROFILE]
    else:
        profile = [(WALL, FLOOR - body_top), (WALL, 0.5)]
    cavity = ruled_stack(width, depth, OUTER_RADIUS, profile, body_top)
    bin_ = body.cut(cq.Workplane("XY").newObject([cavity]))

    # Dividers run into the side walls (they stay clear of the rounded corners, as compartments are at least
    # 7 mm wide); the label shelf spans the whole width, so it is clipped to the inside's rounded outline.
    inner_width = width - 2 * inner_inset
    inner_depth = depth - 2 * inner_inset
    feature_top = body_top - FEATURE_DROP
    features = []
    for k in range(1, dividers + 1):
        x = -inner_width / 2 + k * (inner_width + DIVIDER) / (dividers + 1) - DIVIDER / 2
        features.append(cq.Solid.makeBox(DIVIDER, inner_depth + 2 * OVERLAP, feature_top - FLOOR + OVERLAP,
                                         cq.Vector(x - DIVIDER / 2, -inner_depth / 2 - OVERLAP, FLOOR - OVERLAP)))
    if label_shelf:
        shelf_depth = min(12.0, inner_depth / 3)
        back = inner_depth / 2 + OVERLAP
        section = [(back, feature_top), (inner_depth / 2 - shelf_depth, feature_top),
                   (inner_depth / 2 - shelf_depth, feature_top - LABEL_THICKNESS),
                   (back, feature_top - LABEL_THICKNESS - shelf_depth - OVERLAP)]
        shelf = cq.Workplane("YZ", origin=(-width / 2, 0, 0)).polyline(section).close().extrude(width)
        envelope = (cq.Workplane("XY").workplane(offset=FLOOR - 2 * OVERLAP)
                    .rect(inner_width + 2 * OVERLAP, inner_depth + 2 * OVERLAP)
                    .extrude(feature_top - FLOOR + 3 * OVERLAP)
                    .edges("|Z").fillet(OUTER_RADIUS - inner_inset + OVERLAP))
        features.append(shelf.intersect(envelope).val())
    if features:
        bin_ = cq.Workplane("XY").newObject([bin_.val().fuse(*features).clean()])

    if magnet_holes:
        holes = [cq.Solid.makeCylinder(MAGNET_DIAMETER / 2, MAGNET_DEPTH + 0.1,
                                       cq.Vector(x + sx * MAGNET_OFFSET, y + sy * MAGNET_OFFSET, -0.1))
                 for x, y in centres for sx in (-1, 1) for sy in (-1, 1)]
        bin_ = bin_.cut(cq.Workplane("XY").newObject([cq.Compound.makeCompound(holes)]))
    return bin_
