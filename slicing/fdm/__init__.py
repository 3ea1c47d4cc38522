"""FDM slicing: a placed mesh and resolved settings in, a Marlin 2, Klipper or RepRapFirmware program with its
estimate and per-layer preview toolpaths out."""

from slicing.fdm.pipeline import slice_mesh
from slicing.fdm.program import FdmProgram

__all__ = ["FdmProgram", "slice_mesh"]
