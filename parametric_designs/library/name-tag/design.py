"""Name tag or key tag with raised text, built with CadQuery; sizes in millimetres.

The plate prints flat; the text and the optional border stand on its top face, so a filament change at the
plate's top layer prints them in a second colour. Text that would not fit the plate is scaled down until it
does.

Glyph outlines come from the font as B-spline curves, and OCCT tessellates extruded B-spline glyphs with
cracks at some sizes (the mesh is then not watertight). So each outline is redrawn as a polygon (straight
segments kept, curves split every 0.5 mm, well under a nozzle's width) and extruded: only flat faces, which
always mesh closed. The letters and border sit exactly on the plate's top face and are joined with OCCT's
"glue" fuse, made for shapes that only share faces: several times faster than a general union.
"""

import math

import cadquery as cq

BORDER = 1.2  # width of the raised border
GAP = 1.5  # between the border, the hole and the text
SEGMENT = 0.5  # length of the straight pieces that replace the glyphs' curves


def polygon_of(wire: cq.Wire, scale: float, shift: tuple[float, float, float]) -> cq.Wire:
    """The wire redrawn as a closed polygon (its straight edges kept, its curves split into short chords),
    scaled about the origin and then shifted."""
    edges = wire.Edges()
    points = []
    for edge in edges:
        count = 1 if edge.geomType() == "LINE" else max(2, math.ceil(edge.Length() / SEGMENT))
        chain = [p.toTuple() for p in edge.positions([i / count for i in range(count + 1)])]
        if points:  # each edge runs on from where the last one ended
            if math.dist(points[-1], chain[-1]) < math.dist(points[-1], chain[0]):
                chain.reverse()
        elif len(edges) > 1:  # the first edge must end where the second one touches it
            ends = (edges[1].startPoint().toTuple(), edges[1].endPoint().toTuple())
            if min(math.dist(chain[0], e) for e in ends) < min(math.dist(chain[-1], e) for e in ends):
                chain.reverse()
        points.extend(p for p in chain if not points or math.dist(points[-1], p) > 1e-4)
    if math.dist(points[0], points[-1]) < 1e-4:
        points.pop()
    return cq.Wire.makePolygon([cq.Vector(x * scale + shift[0], y * scale + shift[1], shift[2])
                                for x, y, _ in points], close=True)


def flat_text(letters: cq.Compound, height: float, scale: float, shift: tuple[float, float, float]
              ) -> list[cq.Solid]:
    """Text made at the origin by makeText, scaled and shifted, as prisms `height` tall with flat faces only."""
    prisms = []
    for face in letters.Faces():
        if face.geomType() == "PLANE" and abs(face.Center().z) < 1e-6:
            outline = cq.Face.makeFromWires(polygon_of(face.outerWire(), scale, shift),
                                            [polygon_of(w, scale, shift) for w in face.innerWires()])
            prisms.append(cq.Solid.extrudeLinear(outline, cq.Vector(0, 0, height)))
    return prisms


def rounded_plate(width: float, height: float, radius: float, thickness: float, z: float = 0.0) -> cq.Workplane:
    plate = cq.Workplane("XY", origin=(0, 0, z)).rect(width, height).extrude(thickness)
    if radius > 0.01:
        plate = plate.edges("|Z").fillet(radius)
    return plate


def build(*, text, font_size, bold, plate_width, plate_height, thickness, text_height, corner_radius, border,
          key_ring_hole, hole_diameter):
    plate = rounded_plate(plate_width, plate_height, corner_radius, thickness)
    left = -plate_width / 2 + (BORDER if border else 0.0) + GAP
    if key_ring_hole:
        hole_x = left + hole_diameter / 2
        plate = plate.cut(cq.Workplane("XY").center(hole_x, 0).circle(hole_diameter / 2).extrude(thickness + 2)
                          .translate((0, 0, -1)))
        left = hole_x + hole_diameter / 2 + GAP
    right = plate_width / 2 - (BORDER if border else 0.0) - GAP
    room_h = plate_height - 2 * ((BORDER if border else 0.0) + GAP)

    raised = []
    if border:
        ring = rounded_plate(plate_width, plate_height, corner_radius, text_height, thickness).cut(
            rounded_plate(plate_width - 2 * BORDER, plate_height - 2 * BORDER, max(corner_radius - BORDER, 0.0),
                          text_height + 2, thickness - 1))
        raised.append(ring.val())
    if text.strip():
        try:
            letters = cq.Compound.makeText(text, font_size, text_height, kind="bold" if bold else "regular",
                                           halign="center", valign="center")
        except IndexError:  # makeText finds no outline at all
            raise ValueError(f"no character of {text!r} has an outline in the font: use letters, digits or "
                             "punctuation") from None
        box = letters.BoundingBox()
        scale = min(1.0, 0.98 * (right - left) / box.xlen, 0.98 * room_h / box.ylen)
        # Centre the glyphs' actual outline (valign="center" centres the font's box, not the letters).
        shift = ((left + right) / 2 - box.center.x * scale, -box.center.y * scale, thickness)
        raised += flat_text(letters, text_height, scale, shift)
    if not raised:
        return plate
    tag = plate.val().fuse(*raised, glue=True).clean()
    return cq.Workplane("XY").newObject([tag])
