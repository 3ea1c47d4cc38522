"""Text as single strokes: the centre lines a V-bit or a laser follows once, drawn in the Hershey Roman Simplex
face (public-domain data, read through the Hershey-Fonts package).

Coordinates are in cap heights (multiply by the cap height in mm): the baseline at y = 0, the cap line at
y = 1, the first character's left side at x = 0, y up.
"""

from __future__ import annotations

import functools

import numpy as np
from HersheyFonts import HersheyFonts

from slicing.errors import SlicingError

# Hershey Roman Simplex: one stroke wide, plain shapes that stay legible small; the face CNC engravers use.
_FACE = "futural"


def text_strokes(text: str) -> tuple[list[np.ndarray], float]:
    """The strokes ((n, 2) float64, in cap heights) that write text on one line, in writing order, and how far
    the text advances the pen (its width with the letters' side bearings). Raises SlicingError naming the
    first character the face has no glyph for."""
    glyphs = _glyphs()
    for char in text:
        if char not in glyphs:
            raise SlicingError(
                f"the engraving font has no {char!r} (U+{ord(char):04X}): write the label with letters, digits, "
                "spaces and printable ASCII signs such as - _ . # /"
            )
    strokes: list[np.ndarray] = []
    pen = 0.0
    for char in text:
        glyph_strokes, advance = glyphs[char]
        strokes += [stroke + np.array([pen, 0.0]) for stroke in glyph_strokes]
        pen += advance
    return strokes, pen


@functools.cache
def _glyphs() -> dict[str, tuple[list[np.ndarray], float]]:
    """Each printable character's strokes (left side at x = 0) and advance width, in cap heights."""
    font = HersheyFonts()
    font.load_default_font(_FACE)
    options = font.render_options
    # Hershey coordinates run downwards, with the baseline and the cap line as the face defines them.
    base, cap = float(options["base_line"]), float(options["cap_line"])
    size = base - cap
    glyphs = {}
    for char, glyph in font.all_glyphs.items():
        if not char.isprintable():
            continue
        points = [np.array(stroke, dtype=np.float64) for stroke in glyph.strokes if len(stroke) >= 2]
        strokes = [np.column_stack([(p[:, 0] - glyph.left_offset) / size, (base - p[:, 1]) / size]) for p in points]
        glyphs[char] = (strokes, glyph.char_width / size)
    return glyphs
