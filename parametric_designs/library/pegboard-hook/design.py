"""Pegboard or wall hook, built with CadQuery; all sizes in millimetres, angles in degrees.

The hook is drawn as its side view (X out from the board, Y up) and extruded by its width, so it prints
lying on its side: the arm's layers run along its length, which is what carries the load, and nothing
overhangs. The back plate is widened where the pegs or the screw heads need more room than the arm's width. The
pegs are round rods flattened where they meet the bed; the upper one bends up behind the
board to lock the hook in, the lower one stops it from tipping.
"""

import math

import cadquery as cq

BOARD_CLEARANCE = 0.4  # room between the upper peg's hook and the back of the board
PEG_FLAT = 0.6  # how much of each peg is cut flat where it lies on the bed
GUSSET = 0.6  # the gusset under the arm, as a share of the arm thickness (each leg)
EDGE = 4.0  # plate material above the top peg or screw


def outline(plate_height, plate_thickness, arm_thickness, hook_length, load_angle, tip_height):
    """The side view: back plate, arm rising at `load_angle`, upright tip, and a gusset under the arm."""
    slope = math.tan(math.radians(load_angle))
    rise = arm_thickness / math.cos(math.radians(load_angle))  # the arm's thickness measured upright
    x_end = hook_length * math.cos(math.radians(load_angle))
    tip_width = min(arm_thickness, 6.0)
    gusset = GUSSET * arm_thickness + 2.0

    def top(x):  # the arm's upper edge
        return x * slope + rise

    points = [(0.0, 0.0), (x_end, x_end * slope)]
    if tip_height > 0:
        tip_top = top(x_end) + tip_height
        points += [(x_end, tip_top), (x_end - tip_width, tip_top), (x_end - tip_width, top(x_end - tip_width))]
    else:
        points.append((x_end, top(x_end)))
    x_gusset = plate_thickness + gusset
    points += [(x_gusset, top(x_gusset)), (plate_thickness, top(plate_thickness) + gusset),
               (plate_thickness, plate_height), (0.0, plate_height)]
    return points


def build(*, mount, hole_pitch, peg_diameter, board_thickness, plate_thickness, hook_length, load_angle,
          tip_height, arm_thickness, hook_width, screw_diameter):
    theta = math.radians(load_angle)
    arm_top = arm_thickness / math.cos(theta) + plate_thickness * math.tan(theta)  # at the plate's front
    gusset_top = arm_top + GUSSET * arm_thickness + 2.0
    if mount == "pegboard":
        r = peg_diameter / 2
        low_peg = gusset_top + r + 2.0
        high_peg = low_peg + hole_pitch
        plate_height = high_peg + r + EDGE
    else:
        head = 2 * screw_diameter
        low_screw = gusset_top + head / 2 + 2.0
        high_screw = low_screw + 25.0
        plate_height = high_screw + head / 2 + EDGE

    profile = outline(plate_height, plate_thickness, arm_thickness, hook_length, load_angle, tip_height)
    hook = cq.Workplane("XY").polyline(profile).close().extrude(hook_width)
    # The back plate is made wider than the arm where the pegs or the screw heads need it.
    needed = peg_diameter - PEG_FLAT if mount == "pegboard" else 2 * screw_diameter + 4.0
    plate_width = max(hook_width, needed)
    if plate_width > hook_width:
        plate = cq.Workplane("XY").box(plate_thickness, plate_height, plate_width, centered=False)
        hook = hook.union(plate)

    if mount == "pegboard":
        zc = r - PEG_FLAT
        # Upper peg: through the board, then bending up behind it.
        behind = -(board_thickness + BOARD_CLEARANCE + r)
        bend = r + 1.0
        rise = peg_diameter + 1.0
        path = (cq.Workplane("XY", origin=(0, 0, zc)).moveTo(1.0, high_peg).lineTo(behind + bend, high_peg)
                .radiusArc((behind, high_peg + bend), bend).lineTo(behind, high_peg + bend + rise))
        upper = cq.Workplane("YZ", origin=(1.0, high_peg, zc)).circle(r).sweep(path)
        lower = cq.Workplane("YZ", origin=(1.0, low_peg, zc)).circle(r).extrude(-(board_thickness + 1.0))
        bed = cq.Workplane("XY").box(400, 400, 100, centered=(True, True, False))
        hook = hook.union(upper.union(lower).intersect(bed))
    else:
        for y in (low_screw, high_screw):
            shaft = cq.Solid.makeCylinder(screw_diameter / 2 + 0.15, plate_thickness + 2,
                                          cq.Vector(-1, y, plate_width / 2), cq.Vector(1, 0, 0))
            sink_depth = (head - screw_diameter) / 2
            sink = cq.Solid.makeCone(screw_diameter / 2, head / 2 + 0.5, sink_depth + 0.5,
                                     cq.Vector(plate_thickness - sink_depth, y, plate_width / 2),
                                     cq.Vector(1, 0, 0))
            hook = hook.cut(cq.Workplane("XY").newObject([shaft.fuse(sink)]))
    # Mirrored so the arm reaches towards -X and the pegs face the viewer of the usual front-right view.
    return hook.mirror("YZ")
