"""Finger-jointed box cut from sheet material, built with CadQuery; sizes in millimetres.

The panels are laid out flat, side by side, as solids as thick as the sheet: what a laser cuts. Every panel
is drawn at the box's outside size; along each edge that meets another panel, a band as deep as the sheet is
split into an odd number of equal fingers, which the two panels own alternately (the walls own the fingers
at both ends). Where three panels meet, the corner cube belongs to the front or back panel.

Kerf compensation: each panel is the union of rectangles (its middle, its fingers, its corners), and each
rectangle is grown by half the kerf on every side. That is the panel's outline offset outwards by half the
kerf with sharp corners: fingers get wider and slots narrower by one kerf, so after the beam has burnt away
half a kerf on each side of the line the parts are at their nominal size and fit snugly.
"""

import cadquery as cq

GAP = 5.0  # between panels on the sheet


def rectangle(x0: float, y0: float, x1: float, y1: float) -> cq.Face:
    corners = [cq.Vector(x0, y0, 0), cq.Vector(x1, y0, 0), cq.Vector(x1, y1, 0), cq.Vector(x0, y1, 0)]
    return cq.Face.makeFromWires(cq.Wire.makePolygon(corners, close=True))


def finger_count(length: float, thickness: float, finger_width: float) -> int:
    """An odd number of fingers (at least 3) along an edge of `length`, between its two corner squares."""
    span = length - 2 * thickness
    count = max(3, round(span / finger_width))
    return count if count % 2 == 1 else count + 1


def panel(width, height, thickness, finger_width, edges, corners, half_kerf) -> cq.Solid:
    """One panel, `width` along X and `height` along Y, lying on z = 0.

    edges: ownership of the fingers along the bottom, right, top and left edges: "ends" (this panel owns the
    fingers at both ends, and every other one), "between" (the others) or "all" (no panel meets this edge).
    corners: whether this panel owns its four corner squares (bottom-left, bottom-right, top-right, top-left).
    """
    t = thickness
    rects = [(t, t, width - t, height - t)]  # (x0, y0, x1, y1)
    for side, role in zip(("bottom", "right", "top", "left"), edges, strict=True):
        length = width if side in ("bottom", "top") else height
        count = finger_count(length, t, finger_width)
        step = (length - 2 * t) / count
        for k in range(count):
            if not (role == "all" or (role == "ends") == (k % 2 == 0)):
                continue
            a, b = t + k * step, t + (k + 1) * step
            rects.append({"bottom": (a, 0, b, t), "top": (a, height - t, b, height),
                          "left": (0, a, t, b), "right": (width - t, a, width, b)}[side])
    for owned, (x, y) in zip(corners, ((0, 0), (width - t, 0), (width - t, height - t), (0, height - t)),
                             strict=True):
        if owned:
            rects.append((x, y, x + t, y + t))
    faces = [rectangle(x0 - half_kerf, y0 - half_kerf, x1 + half_kerf, y1 + half_kerf) for x0, y0, x1, y1 in rects]
    outline = faces[0].fuse(*faces[1:]).clean().Faces()
    if len(outline) != 1:
        raise ValueError(f"a panel's outline came out in {len(outline)} pieces")
    return cq.Solid.extrudeLinear(outline[0], cq.Vector(0, 0, thickness))


def build(*, length, width, height, thickness, finger_width, kerf, open_top):
    k = kerf / 2
    wall_top = "all" if open_top else "ends"
    floor = ("between",) * 4, (False,) * 4
    front = ("ends", "ends", wall_top, "ends"), (True,) * 4
    side = ("ends", "between", wall_top, "between"), (False,) * 4
    parts = [("bottom", length, width, floor), ("front", length, height, front), ("back", length, height, front),
             ("left", width, height, side), ("right", width, height, side)]
    if not open_top:
        parts.insert(1, ("lid", length, width, floor))

    # Two columns: floor and lid, front and back, left and right.
    placed = []
    rows = {"bottom": 0, "lid": 0, "front": 1, "back": 1, "left": 2, "right": 2}
    row_y = [0.0, width + GAP, width + height + 2 * GAP]
    for name, w, h, (edges, corners) in parts:
        column = 1 if name in ("lid", "back", "right") else 0
        solid = panel(w, h, thickness, finger_width, edges, corners, k)
        placed.append(solid.translate(cq.Vector(column * (length + GAP), row_y[rows[name]], 0)))
    return cq.Workplane("XY").newObject(placed)
