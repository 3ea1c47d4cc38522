"""A fit coupon: a comb of slots cut in the job's own sheet, each a little wider than the sheet is thick
(+0.0, +0.1, ... +0.5 mm), so the maker can try an offcut in each and pick the allowance that fits.

Below each slot, one short engraved tick per 0.1 mm of allowance says which slot is which.
"""

from __future__ import annotations

import numpy as np

from slicing.cnc.flat import FlatPart, region_from_contours

ALLOWANCES_MM = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
SLOT_DEPTH_MM = 20.0
# Material between slots, and below them for the ticks.
WEB_MM = 15.0
BASE_MM = 20.0
TICK_MM = 4.0
TICK_PITCH_MM = 2.0


def fit_coupon(thickness_mm: float, engrave_depth_mm: float = 0.3) -> FlatPart:
    """The coupon for a sheet thickness_mm thick, slots opening on its top edge."""
    widths = [thickness_mm + allowance for allowance in ALLOWANCES_MM]
    height = BASE_MM + SLOT_DEPTH_MM
    x = WEB_MM
    ticks = []
    for index, width in enumerate(widths):
        tick_x = [x + width / 2 + (k - (index - 1) / 2) * TICK_PITCH_MM for k in range(index)]
        ticks += [np.array([(tx, 4.0), (tx, 4.0 + TICK_MM)]) for tx in tick_x]
        x += width + WEB_MM
    total = x
    outline = [(0.0, 0.0), (total, 0.0), (total, height)]
    x = total
    for width in reversed(widths):
        x -= WEB_MM
        outline += [(x, height), (x, BASE_MM), (x - width, BASE_MM), (x - width, height)]
        x -= width
    outline.append((0.0, height))
    return FlatPart(
        name="fit coupon",
        outline=region_from_contours([np.array(outline)]),
        thickness_mm=thickness_mm,
        engravings=tuple(ticks),
        engrave_depth_mm=engrave_depth_mm,
    )
