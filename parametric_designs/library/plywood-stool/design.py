"""Slot-together plywood stool for a CNC router, built with CadQuery; sizes in millimetres.

Four flat panels, laid out side by side at the sheet's thickness as the router cuts them: a seat, two legs
and a stretcher. Each leg's two top tenons pass through mortises in the seat; the stretcher's end tenons pass
through a mortise in each leg and stand proud of it. Every mortise is the measured sheet thickness plus the
fit allowance wide, so the joints follow the real sheet, not its nominal size. The mortises' square corners
are left sharp on purpose: the CAM job adds dog-bone reliefs where the panels seat (`--relief dogbone`).
"""

import cadquery as cq

GAP = 25.0  # between panels on the sheet: room for two cuts and the tabs between them
LEG_INSET = 10.0  # legs stand this far in from the seat's front and back edges
LEG_SPREAD = 40.0  # legs stand this far in from the seat's ends
STRETCHER_HEIGHT = 80.0
STRETCHER_TENON = 50.0  # height of the stretcher's end tenons
STRETCHER_PROUD = 20.0  # tenon length beyond the leg's outer face
STRETCHER_AT = 0.35  # stretcher height as a share of the leg's
FOOT_ARCH = 0.5  # share of the leg's width cut away between its feet
FOOT_RADIUS = 12.0  # round of the arch's top corners (bigger than any router bit's radius)
SEAT_RADIUS = 20.0


def plate(points, thickness: float) -> cq.Workplane:
    return cq.Workplane("XY").polyline(points).close().extrude(thickness)


def box_hole(x0: float, y0: float, x1: float, y1: float, thickness: float) -> cq.Workplane:
    """A square-cornered through hole from (x0, y0) to (x1, y1)."""
    return cq.Workplane("XY").center((x0 + x1) / 2, (y0 + y1) / 2).rect(x1 - x0, y1 - y0) \
        .extrude(thickness + 2).translate((0, 0, -1))


def seat(width: float, depth: float, leg_x: float, tenon_y: list[float], tenon: float, slot: float,
         thickness: float) -> cq.Workplane:
    top = cq.Workplane("XY").rect(width, depth).extrude(thickness).edges("|Z").fillet(SEAT_RADIUS) \
        .translate((width / 2, depth / 2, 0))
    for x in (width / 2 - leg_x, width / 2 + leg_x):
        for y in tenon_y:
            top = top.cut(box_hole(x - slot / 2, y - tenon / 2, x + slot / 2, y + tenon / 2, thickness))
    return top


def leg(width: float, height: float, tenon_x: list[float], tenon: float, mortise: tuple[float, float, float, float],
        thickness: float) -> cq.Workplane:
    """A leg of `width` standing `height` to the seat's underside, with its tenons above that."""
    points = [(0, 0), (width, 0), (width, height)]
    for x in sorted(tenon_x, reverse=True):
        points += [(x + tenon / 2, height), (x + tenon / 2, height + thickness), (x - tenon / 2, height + thickness),
                   (x - tenon / 2, height)]
    points.append((0, height))
    body = plate(points, thickness).cut(box_hole(*mortise, thickness))
    arch_w, arch_h = width * FOOT_ARCH, height * 0.15
    arch = cq.Workplane("XY").rect(arch_w, 2 * arch_h).extrude(thickness + 2).edges("|Z").fillet(FOOT_RADIUS) \
        .translate((width / 2, 0, -1))
    return body.cut(arch)


def stretcher(span: float, thickness: float, slot: float) -> cq.Workplane:
    """The stretcher, `span` between the legs' inner faces, its tenons running through the legs' mortises."""
    end = span / 2 + slot + STRETCHER_PROUD
    low, high = (STRETCHER_HEIGHT - STRETCHER_TENON) / 2, (STRETCHER_HEIGHT + STRETCHER_TENON) / 2
    half = [(span / 2, 0), (span / 2, low), (end, low), (end, high), (span / 2, high), (span / 2, STRETCHER_HEIGHT)]
    points = half + [(-x, y) for x, y in reversed(half)]
    return plate([(x + end, y) for x, y in points], thickness)


def build(*, height, seat_width, seat_depth, sheet_thickness, fit):
    t, slot = sheet_thickness, sheet_thickness + fit
    leg_width, leg_height = seat_depth - 2 * LEG_INSET, height - t
    leg_x = seat_width / 2 - LEG_SPREAD - t / 2  # from the seat's middle to a leg's middle
    tenon = min(60.0, leg_width / 4)
    tenon_x = [leg_width / 4, 3 * leg_width / 4]
    mortise_y = leg_height * STRETCHER_AT
    mortise = (leg_width / 2 - slot / 2, mortise_y - (STRETCHER_TENON + fit) / 2,
               leg_width / 2 + slot / 2, mortise_y + (STRETCHER_TENON + fit) / 2)
    # The seat's mortises are one fit longer than the tenons, so tenons seat without forcing.
    panels = [seat(seat_width, seat_depth, leg_x, [LEG_INSET + x for x in tenon_x], tenon + fit, slot, t)]
    legs_x = seat_width + GAP
    for k in range(2):
        panels.append(leg(leg_width, leg_height, tenon_x, tenon, mortise, t)
                      .translate((legs_x + k * (leg_width + GAP), 0, 0)))
    panels.append(stretcher(2 * leg_x - t, t, slot).translate((0, seat_depth + GAP, 0)))
    return cq.Workplane("XY").newObject([solid for panel in panels for solid in panel.solids().vals()])
