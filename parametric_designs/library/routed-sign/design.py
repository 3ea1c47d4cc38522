"""Routed sign for a CNC router, built with CadQuery; sizes in millimetres.

A rounded plate lying on the sheet with its text cut into the top: either the letters are pocketed into the
plain top (engraved), or a field inside a border is pocketed and the letters stand proud in it (raised).
Everything cut is one depth, so the router clears it as one pocket; the field's corners are rounded so an
end mill of up to twice field_radius reaches them.
"""

import cadquery as cq

CHORD_DEVIATION = 0.02  # mm: glyph curves are redrawn as chords this close to them


def rounded(width: float, height: float, radius: float, depth: float) -> cq.Workplane:
    """A rounded rectangle centred on the origin, from z = 0 up `depth`."""
    body = cq.Workplane("XY").rect(width, height).extrude(depth)
    return body.edges("|Z").fillet(radius) if radius > 0 else body


def polygon(wire: cq.Wire, scale: float) -> cq.Wire:
    """A glyph's curved wire as a closed polygon, scaled about the origin: straight walls mesh exactly vertical,
    where OCCT tessellates extruded B-spline walls with slightly tilted facets (which read as undercuts)."""
    points, _ = wire.sample(CHORD_DEVIATION)
    ring = [cq.Vector(p.x * scale, p.y * scale, 0) for p in points]
    if (ring[0] - ring[-1]).Length < 1e-6:
        ring.pop()
    return cq.Wire.makePolygon(ring, close=True)


def letters(text: str, font_size: float, depth: float, room: tuple[float, float]) -> cq.Workplane:
    """The text centred on the origin, `depth` tall from z = 0, shrunk to fit within room (width, height)."""
    try:
        glyphs = cq.Compound.makeText(text, font_size, 1.0, kind="bold", halign="center", valign="center")
    except IndexError:  # no character of the text has an outline
        raise ValueError(f"no character of {text!r} has an outline in the font: use letters or digits") from None
    box = glyphs.BoundingBox()
    scale = min(1.0, room[0] / box.xlen, room[1] / box.ylen)
    faces = [cq.Face.makeFromWires(polygon(face.outerWire(), scale), [polygon(w, scale) for w in face.innerWires()])
             for face in glyphs.Faces() if abs(face.Center().z) < 1e-6]
    prisms = [cq.Solid.extrudeLinear(face, cq.Vector(0, 0, depth)) for face in faces]
    return cq.Workplane("XY").newObject(prisms).translate((-box.center.x * scale, -box.center.y * scale, 0))


def build(*, width, height, thickness, corner_radius, style, text, font_size, border, field_radius, pocket_depth):
    plate = rounded(width, height, corner_radius, thickness)
    top = thickness - pocket_depth
    field = (width - 2 * border, height - 2 * border)
    words = letters(text, font_size, pocket_depth + 1, (field[0] - 2 * field_radius, field[1] - 2 * field_radius)) \
        .translate((0, 0, top)) if text.strip() else None
    if style == "raised":
        cut = rounded(*field, field_radius, pocket_depth + 1).translate((0, 0, top))
        if words is not None:
            cut = cut.cut(words)
    elif words is None:
        return plate
    else:
        cut = words
    return plate.cut(cut)
