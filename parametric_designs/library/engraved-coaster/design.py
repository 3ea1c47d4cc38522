"""Engraved coaster or sign for a CNC router or a laser, built with CadQuery; sizes in millimetres.

A round or rounded-rectangle plate with text and a simple pattern engraved into its top to a depth. The
engraving is worked out in 2D: what stays of the top is the plate's outline less the text and the pattern
(fast face booleans). The solid is then sewn from its faces: the bottom, the outer side, the top that stays,
the engraving's floor and its walls. That is two to four times faster than a 3D boolean or fuse on the
hundreds of edges that text and patterns have.

Glyph outlines are redrawn as polygons (curves split every 0.5 mm) before use: OCCT meshes extruded
B-spline glyphs with cracks at some sizes, flat faces always mesh closed.
"""

import math

import cadquery as cq

MARGIN = 5.0  # plain edge around the pattern
TEXT_GAP = 3.0  # plain band between the text and the pattern
SEGMENT = 0.5  # length of the straight pieces that replace the glyphs' curves


def polygon_face(points) -> cq.Face:
    return cq.Face.makeFromWires(cq.Wire.makePolygon([cq.Vector(x, y, 0) for x, y in points], close=True))


def outline(shape: str, width: float, length: float, radius: float, inset: float = 0.0) -> cq.Face:
    """The plate's outline (or that outline moved inwards by `inset`) as a face on z = 0."""
    if shape == "round":
        return cq.Face.makeFromWires(cq.Wire.makeCircle(width / 2 - inset, cq.Vector(0, 0, 0), cq.Vector(0, 0, 1)))
    sketch = cq.Sketch().rect(width - 2 * inset, length - 2 * inset)
    if radius - inset > 0.01:
        sketch = sketch.vertices().fillet(radius - inset)
    return sketch._faces.Faces()[0]


def ring_of(wire: cq.Wire, scale: float, shift: tuple[float, float]) -> cq.Wire:
    """A glyph's wire redrawn as a closed polygon, scaled about the origin and then shifted (on z = 0)."""
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
    return cq.Wire.makePolygon([cq.Vector(x * scale + shift[0], y * scale + shift[1], 0) for x, y, _ in points],
                               close=True)


def text_faces(text: str, font_size: float, room_w: float, room_h: float) -> tuple[list[cq.Face], float, float]:
    """The text centred on the origin, shrunk to fit room_w x room_h; its faces and its width and height."""
    try:
        letters = cq.Compound.makeText(text, font_size, 1.0, kind="bold", halign="center", valign="center")
    except IndexError:  # makeText finds no outline at all
        raise ValueError(f"no character of {text!r} has an outline in the font: use letters, digits or "
                         "punctuation") from None
    box = letters.BoundingBox()
    scale = min(1.0, room_w / box.xlen, room_h / box.ylen)
    shift = (-box.center.x * scale, -box.center.y * scale)
    faces = [cq.Face.makeFromWires(ring_of(f.outerWire(), scale, shift),
                                   [ring_of(w, scale, shift) for w in f.innerWires()])
             for f in letters.Faces() if f.geomType() == "PLANE" and abs(f.Center().z) < 1e-6]
    return faces, box.xlen * scale, box.ylen * scale


def inside(shape: str, width: float, length: float, radius: float, inset: float, x: float, y: float) -> bool:
    """Whether (x, y) lies inside the plate's outline moved inwards by `inset`."""
    if shape == "round":
        return math.hypot(x, y) <= width / 2 - inset
    half_w, half_l, r = width / 2 - inset, length / 2 - inset, max(radius - inset, 0.0)
    dx, dy = abs(x) - (half_w - r), abs(y) - (half_l - r)
    if abs(x) > half_w or abs(y) > half_l:
        return False
    return dx <= 0 or dy <= 0 or math.hypot(dx, dy) <= r


def grid_islands(shape, width, length, radius, spacing, line_width, band):
    """The plate's top between the lines of a diamond grid (lines at +-45 degrees) as faces on z = 0.

    The grid is framed by an engraved line along the field's edge and around the text band `band` = (half
    width, half height) or None, so no island touches the rim or the band. Islands wholly inside the frame
    are made directly; only those crossing it are clipped, in one boolean, which is much faster than cutting
    the lines out of the plate."""
    inset = MARGIN + line_width
    frame = outline(shape, width, length, radius, inset)
    keep_out = None if band is None else (band[0] + line_width, band[1] + line_width)
    root = math.sqrt(0.5)
    count = int(math.hypot(width, length) / 2 / spacing) + 1
    whole, crossing = [], []
    for i in range(-count, count):
        for j in range(-count, count):
            a, b = i * spacing + line_width / 2, (i + 1) * spacing - line_width / 2
            c, d = j * spacing + line_width / 2, (j + 1) * spacing - line_width / 2
            corners = [((u + v) * root, (u - v) * root) for u, v in ((a, c), (b, c), (b, d), (a, d))]
            xs, ys = [x for x, _ in corners], [y for _, y in corners]
            if not inside(shape, width, length, radius, inset - spacing, sum(xs) / 4, sum(ys) / 4):
                continue  # wholly outside the frame
            if keep_out is not None and max(abs(x) for x in xs) < keep_out[0] \
                    and max(abs(y) for y in ys) < keep_out[1]:
                continue  # wholly inside the text band
            near_band = keep_out is not None and min(xs) <= keep_out[0] and max(xs) >= -keep_out[0] \
                and min(ys) <= keep_out[1] and max(ys) >= -keep_out[1]
            if not near_band and all(inside(shape, width, length, radius, inset, x, y) for x, y in corners):
                whole.append(polygon_face(corners))
            else:
                crossing.append(polygon_face(corners))
    faces = whole
    if crossing:
        clipped = cq.Compound.makeCompound(crossing).intersect(frame)
        if keep_out is not None:
            clipped = clipped.cut(band_face(keep_out))
        faces += [f for f in clipped.Faces() if f.Area() > 0.01]
    return faces


def band_face(band) -> cq.Face:
    half_w, half_h = band
    return polygon_face([(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)])


def build(*, shape, width, length, corner_radius, thickness, text, font_size, pattern, pattern_spacing,
          line_width, engrave_depth):
    if shape == "round":
        length = width
    plate = outline(shape, width, length, corner_radius)
    letters, band = [], None
    if text.strip():
        room = 2 * MARGIN + 2 * line_width + 2 * TEXT_GAP
        room_w, room_h = width - room, length - room
        if shape == "round":  # a band of the text's proportions that fits the circle
            room_w, room_h = room_w * 0.92, room_h * 0.5
        letters, text_w, text_h = text_faces(text, font_size, room_w, room_h)
        band = (text_w / 2 + TEXT_GAP, text_h / 2 + TEXT_GAP)

    if pattern == "grid":
        # The top is built from what stays: the rim outside the field, the grid's islands, the text band.
        top = [plate.cut(outline(shape, width, length, corner_radius, MARGIN))]
        top += grid_islands(shape, width, length, corner_radius, pattern_spacing, line_width, band)
        if band is not None:
            top.append(band_face(band).cut(*letters) if letters else band_face(band))
        top_faces = [f for face in top for f in face.Faces()]
    else:
        lines = []
        if pattern == "border":
            lines.append(outline(shape, width, length, corner_radius, MARGIN)
                         .cut(outline(shape, width, length, corner_radius, MARGIN + line_width)))
        elif pattern == "rings":
            inset = MARGIN
            while min(width, length) / 2 - inset - line_width > pattern_spacing / 2:
                lines.append(outline(shape, width, length, corner_radius, inset)
                             .cut(outline(shape, width, length, corner_radius, inset + line_width)))
                inset += pattern_spacing
        engraved = list(letters)
        if lines:
            drawn = lines[0].fuse(*lines[1:]) if len(lines) > 1 else lines[0]
            if band is not None:
                drawn = drawn.cut(band_face(band))
            engraved += drawn.Faces()
        if not engraved:
            return cq.Workplane("XY").newObject([cq.Solid.extrudeLinear(plate, cq.Vector(0, 0, thickness))])
        top_faces = plate.cut(*engraved).clean().Faces()
    floor_faces = engraved if pattern != "grid" else plate.cut(*top_faces).clean().Faces()
    return cq.Workplane("XY").newObject([sewn(plate, top_faces, floor_faces, thickness - engrave_depth, thickness)])


def sewn(plate: cq.Face, top: list[cq.Face], floor: list[cq.Face], floor_z: float, top_z: float) -> cq.Solid:
    """The engraved plate as a solid sewn from its faces: `top` (what stays of the top) at top_z, `floor` (the
    engraving) at floor_z, with the walls between them and the plate's bottom and outer side."""

    def walls(face: cq.Face, z0: float, z1: float) -> list[cq.Face]:
        prism = cq.Solid.extrudeLinear(face, cq.Vector(0, 0, z1 - z0)).translate(cq.Vector(0, 0, z0))
        return [f for f in prism.Faces() if abs(f.normalAt().z) < 1e-6]

    faces = [plate, *walls(plate, 0.0, floor_z)]
    faces += [f.translate(cq.Vector(0, 0, top_z)) for f in top]
    faces += [f.translate(cq.Vector(0, 0, floor_z)) for f in floor]
    for face in top:  # every side of what stays on top runs down to the floor (or to the outer side below)
        faces += walls(face, floor_z, top_z)
    shell = cq.Shell.makeShell(faces)
    if shell.ShapeType() != "Shell":
        raise ValueError("the engraved plate could not be sewn into one closed shell")
    return cq.Solid.makeSolid(shell)
