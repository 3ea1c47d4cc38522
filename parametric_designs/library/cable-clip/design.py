"""Snap-in cable clip for a wall or the underside of a desk, built with CadQuery; sizes in millimetres.

The clip is one profile extruded by its width and printed lying on its side: the cable runs along Z (up from
the bed), the wall is the plane y = 0 and the clip stands out towards -Y. Printed this way the arms of the
clip bend within each layer instead of across the layer lines, so they flex open without cracking, and
nothing overhangs.
"""

import math

import cadquery as cq

CLEARANCE = 0.2  # radial play around the cable
FLARE_DEG = 30.0  # lead-in on each side of the opening, so the cable pushes in


def build(*, cable_diameter, clip_width, wall, opening_percent, mount, base_thickness, tab_length,
          screw_diameter):
    r_in = cable_diameter / 2 + CLEARANCE
    r_out = r_in + wall
    centre_y = base_thickness + r_in
    gap = cable_diameter * opening_percent / 100

    if mount == "screw":
        x_min, x_max = -r_out, r_out + tab_length
    else:
        x_min, x_max = -r_out - tab_length, r_out + tab_length

    # One outline: the flat back along the wall, and the clip's round head standing on it.
    outline = cq.Workplane("XY").moveTo(x_min, 0).lineTo(x_max, 0).lineTo(x_max, base_thickness)
    outline = outline.lineTo(r_out, base_thickness).lineTo(r_out, centre_y)
    outline = outline.threePointArc((0, centre_y + r_out), (-r_out, centre_y)).lineTo(-r_out, base_thickness)
    if x_min < -r_out:
        outline = outline.lineTo(x_min, base_thickness)
    clip = outline.close().extrude(clip_width)

    # The cable's hole, and the opening: exactly `gap` wide where it meets the hole, flaring outwards.
    hole = cq.Workplane("XY").center(0, centre_y).circle(r_in).extrude(clip_width + 2).translate((0, 0, -1))
    y_gap = centre_y + math.sqrt(r_in ** 2 - (gap / 2) ** 2)
    y_top = centre_y + r_out + 1.0
    flare = (y_top - y_gap) * math.tan(math.radians(FLARE_DEG))
    opening = (cq.Workplane("XY")
               .polyline([(-gap / 2, centre_y), (gap / 2, centre_y), (gap / 2, y_gap),
                          (gap / 2 + flare, y_top), (-gap / 2 - flare, y_top), (-gap / 2, y_gap)]).close()
               .extrude(clip_width + 2).translate((0, 0, -1)))
    clip = clip.cut(hole).cut(opening)

    if mount == "screw":
        # Through the base from the wall side, countersunk (90 degrees) on the cable side for a flat head.
        x_screw = r_out + tab_length / 2
        head_r = screw_diameter
        shaft = cq.Solid.makeCylinder(screw_diameter / 2 + 0.15, base_thickness + 2,
                                      cq.Vector(x_screw, -1, clip_width / 2), cq.Vector(0, 1, 0))
        sink_depth = head_r - screw_diameter / 2
        sink = cq.Solid.makeCone(screw_diameter / 2, head_r + 0.5, sink_depth + 0.5,
                                 cq.Vector(x_screw, base_thickness - sink_depth, clip_width / 2),
                                 cq.Vector(0, 1, 0))
        clip = clip.cut(cq.Workplane("XY").newObject([shaft.fuse(sink)]))
    # Mirrored so the wall side faces +Y and the clip faces the viewer of the usual front-right view.
    return clip.mirror("XZ")
