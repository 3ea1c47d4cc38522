"""CNC router: flat geometry in (DXF, SVG, flat meshes), 2.5D operations (profile, pocket, drill, dogbones,
tabs), stock-removal simulation with a gouge check, and post-processors (GRBL 1.1, LinuxCNC)."""
