"""Knob for a D-shaft (potentiometers, rotary encoders, small motors), built with CadQuery; sizes in mm.

The knob prints upright, the shaft entering from the bed: the blind D-bore is bridged once at its top, the
grip flutes run straight up the side under a smooth top band, and the pointer is a groove across the top,
so nothing overhangs. The fluted outline is a 2D sketch extruded once, which is much faster than cutting
each flute out of a solid. The
bore's entry is chamfered so the first layers (which print slightly wide) do not choke the shaft.
"""

import math

import cadquery as cq

TOP_CHAMFER = 1.0
TOP_BAND = 2.5  # smooth band at the top of the knob, above the flutes
ENTRY_CHAMFER = 0.5
POINTER_WIDTH = 1.2
POINTER_DEPTH = 0.8


def d_profile(radius: float, flat_offset: float, height: float, z0: float) -> cq.Workplane:
    """A D-shaped prism: a circle of `radius` cut by a flat `flat_offset` from the centre (on the +Y side)."""
    half_chord = math.sqrt(radius ** 2 - flat_offset ** 2)
    return (cq.Workplane("XY", origin=(0, 0, z0)).moveTo(half_chord, flat_offset)
            .threePointArc((0, -radius), (-half_chord, flat_offset)).close().extrude(height))


def build(*, shaft_diameter, flat_depth, fit_clearance, shaft_length, knob_diameter, height, grip_ridges,
          pointer):
    radius = knob_diameter / 2
    # The fluted outline is made in 2D (a fast face boolean) and extruded once.
    outline = cq.Sketch().circle(radius)
    if grip_ridges > 0:
        # Round flutes between the ridges, a third of the pitch across, centred just outside the rim.
        pitch = 2 * math.pi * radius / grip_ridges
        flute = min(0.3 * pitch, 1.5)
        centre = radius + 0.4 * flute
        angles = [2 * math.pi * (k + 0.5) / grip_ridges for k in range(grip_ridges)]
        outline = outline.push([(centre * math.cos(a), centre * math.sin(a)) for a in angles]).circle(flute, mode="s")
    knob = cq.Workplane("XY").placeSketch(outline).extrude(height - TOP_BAND)

    # A smooth band on top with a chamfered edge: a solid of revolution standing on the fluted part (the
    # flutes end under it in a ledge of at most 0.9 mm, which prints without support).
    cap = (cq.Workplane("XZ")
           .polyline([(0, height - TOP_BAND), (radius, height - TOP_BAND), (radius, height - TOP_CHAMFER),
                      (radius - TOP_CHAMFER, height), (0, height)]).close()
           .revolve(360, (0, 0, 0), (0, 1, 0)))
    knob = knob.union(cap)

    # The D-bore with a little play all round and a chamfered entry; the flat is on the +Y side, under the
    # pointer. Everything removed is cut in one boolean.
    bore_radius = shaft_diameter / 2 + fit_clearance
    flat_offset = shaft_diameter / 2 - flat_depth + fit_clearance
    cutter = d_profile(bore_radius, flat_offset, shaft_length + 0.01, -0.01).val()
    cutter = cutter.fuse(cq.Solid.makeCone(bore_radius + ENTRY_CHAMFER + 0.01, bore_radius - 0.01,
                                           ENTRY_CHAMFER + 0.02, cq.Vector(0, 0, -0.01)))
    if pointer:
        length = radius * 0.75 + 1.0
        groove = cq.Solid.makeBox(POINTER_WIDTH, length, POINTER_DEPTH + 1.0,
                                  cq.Vector(-POINTER_WIDTH / 2, radius - length + 1.0, height - POINTER_DEPTH))
        cutter = cutter.fuse(groove)
    return knob.cut(cq.Workplane("XY").newObject([cutter]))
