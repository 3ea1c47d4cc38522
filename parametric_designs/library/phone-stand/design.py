"""Phone or tablet stand, built with CadQuery; sizes in millimetres, angles in degrees.

The stand is its side view (Y from the front lip to the back, Z up) extruded along X by its width. It prints
standing on its base in that orientation: the back rest leans back at the viewing angle, so its underside
overhangs at most 45 degrees, the opening under it is a pointed arch, and nothing needs support. The device
sits on a raised ledge behind the front lip; the cable slot cuts the front of the stand in the middle so a
plug in the device's bottom edge hangs in the gap and the cable leaves forwards.
"""

import math

import cadquery as cq

CLEARANCE = 0.5  # added to the device thickness on the ledge
MIN_OPENING = 4.0  # smaller openings under the back rest are left solid


def side_view(device_thickness, viewing_angle, lip_height, back_height, ledge_height, wall):
    """(outline, opening or None): polygons in the YZ plane, Y to the back, Z up."""
    theta = math.radians(viewing_angle)
    u = (math.cos(theta), math.sin(theta))  # up the back rest
    n = (math.sin(theta), -math.cos(theta))  # through the back rest, to its back face
    front_of_rest = wall + device_thickness + CLEARANCE
    foot = (front_of_rest, ledge_height)
    top_front = (foot[0] + back_height * u[0], foot[1] + back_height * u[1])
    top_back = (top_front[0] + wall * n[0], top_front[1] + wall * n[1])
    leg = top_back[0]
    rear = max(leg, front_of_rest + 0.5 * back_height)  # a base deep enough not to tip over

    outline = [(0.0, 0.0), (rear, 0.0)]
    if rear > leg + 0.5:
        outline += [(rear, wall), (leg, wall)]
    else:
        outline[1] = (leg, 0.0)
    outline += [top_back, top_front, foot, (wall, ledge_height), (wall, ledge_height + lip_height),
                (0.0, ledge_height + lip_height)]

    # The opening under the back rest: below its back face, above the base, in front of the rear leg.
    def under_rest(y):
        return top_back[1] + (y - top_back[0]) * math.tan(theta)

    y_on_base = top_back[0] + (wall - top_back[1]) / math.tan(theta)
    y_front = max(y_on_base, front_of_rest + wall)
    y_back = leg - wall
    if y_back - y_front < MIN_OPENING or under_rest(y_back) - wall < MIN_OPENING:
        return outline, None
    opening = [(y_front, wall)]
    if y_front > y_on_base + 1e-6:
        opening.append((y_front, under_rest(y_front)))
    opening += [(y_back, under_rest(y_back)), (y_back, wall)]
    return outline, opening


def build(*, device_thickness, viewing_angle, width, lip_height, back_height, ledge_height, wall, cable_slot,
          slot_width):
    outline, opening = side_view(device_thickness, viewing_angle, lip_height, back_height, ledge_height, wall)
    plane = cq.Workplane("YZ", origin=(-width / 2, 0, 0))
    stand = plane.polyline(outline).close().extrude(width)
    if opening is not None:
        stand = stand.cut(cq.Workplane("YZ", origin=(-width / 2 - 1, 0, 0)).polyline(opening).close()
                          .extrude(width + 2))
    if cable_slot:
        rest_foot = wall + device_thickness + CLEARANCE
        notch = cq.Workplane("XY").box(slot_width, rest_foot - 0.5 + 1, ledge_height + lip_height + 2,
                                       centered=(True, False, False)).translate((0, -1, -1))
        stand = stand.cut(notch)
    return stand
