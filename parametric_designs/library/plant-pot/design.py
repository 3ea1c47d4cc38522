"""Plant pot with drainage holes and a matching saucer, built with CadQuery; sizes in millimetres.

Both parts are solids of revolution printed upright, the saucer beside the pot. The pot's wall is a straight
taper with a rim whose underside is a 45-degree chamfer, so nothing overhangs more than 45 degrees. The
saucer's floor carries four radial ribs that lift the pot, so the drainage holes are never sealed by the
saucer and water can run out.
"""

import math

import cadquery as cq

RIM_OUT = 1.5  # how far the rim stands out from the wall
RIM_HEIGHT = 6.0
SAUCER_GAP = 4.0  # between the pot's foot and the saucer's wall
SAUCER_FLARE_DEG = 25.0
RIB_HEIGHT = 2.0
RIB_WIDTH = 2.0
PART_GAP = 10.0  # between the parts on the bed


def revolved(profile) -> cq.Workplane:
    """Revolve a closed (radius, z) profile about the Z axis."""
    return cq.Workplane("XZ").polyline(profile).close().revolve(360, (0, 0, 0), (0, 1, 0))


def build(*, top_diameter, bottom_diameter, height, wall, drainage_holes, drainage_hole_diameter, saucer,
          saucer_height):
    r_top, r_bottom = top_diameter / 2, bottom_diameter / 2
    floor = max(2.0, 1.5 * wall)
    slope = (r_top - r_bottom) / height  # outward per mm of height
    across = wall * math.sqrt(1 + slope ** 2)  # horizontal wall thickness that gives `wall` square to it

    def outer(z):
        return r_bottom + slope * z

    rim_start = height - RIM_HEIGHT
    pot = revolved([
        (0, 0), (r_bottom, 0), (outer(rim_start - RIM_OUT), rim_start - RIM_OUT),
        (outer(rim_start) + RIM_OUT, rim_start), (outer(height) + RIM_OUT, height),
        (outer(height) - across, height), (outer(floor) - across, floor), (0, floor),
    ])

    if drainage_holes > 0:
        ring = (r_bottom - across) / 2
        centres = [(0.0, 0.0)]
        for k in range(drainage_holes - 1):
            a = 2 * math.pi * k / (drainage_holes - 1)
            centres.append((ring * math.cos(a), ring * math.sin(a)))
        holes = [cq.Solid.makeCylinder(drainage_hole_diameter / 2, floor + 2, cq.Vector(x, y, -1)) for x, y in centres]
        pot = pot.cut(cq.Workplane("XY").newObject([cq.Compound.makeCompound(holes)]))

    if not saucer:
        return pot

    s_wall = max(wall, 1.6)
    s_floor = max(1.6, wall)
    inner_bottom = r_bottom + SAUCER_GAP
    flare = math.tan(math.radians(SAUCER_FLARE_DEG))
    inner_top = inner_bottom + flare * (saucer_height - s_floor)
    s_across = s_wall / math.cos(math.radians(SAUCER_FLARE_DEG))
    dish = revolved([
        (0, 0), (inner_bottom + s_across, 0), (inner_top + s_across, saucer_height),
        (inner_top, saucer_height), (inner_bottom, s_floor), (0, s_floor),
    ])
    rib_length = inner_bottom - 0.3 - 4.0
    ribs = [cq.Solid.makeBox(rib_length, RIB_WIDTH, RIB_HEIGHT + 0.3, cq.Vector(4.0, -RIB_WIDTH / 2, s_floor - 0.3))
            .rotate(cq.Vector(0, 0, 0), cq.Vector(0, 0, 1), 45 + 90 * k) for k in range(4)]
    dish = dish.union(cq.Workplane("XY").newObject([cq.Compound.makeCompound(ribs)]))
    offset = max(outer(height) + RIM_OUT, r_bottom) + PART_GAP + inner_top + s_across
    return pot.add(dish.translate((offset, 0, 0)))
