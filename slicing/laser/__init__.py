"""Laser cutter: cut, engrave and fill paths with kerf compensation, GRBL laser G-code and layered SVG."""
