"""Names of what the head extrudes, in PrusaSlicer's `;TYPE:` wording, which previews and G-code analysers
already know. FEATURES fixes each name's id in the per-layer arrays for previews (FdmProgram.layers)."""

EXTERNAL_PERIMETER = "External perimeter"
OVERHANG_PERIMETER = "Overhang perimeter"
PERIMETER = "Perimeter"
SOLID_INFILL = "Solid infill"
TOP_SOLID_INFILL = "Top solid infill"
BRIDGE_INFILL = "Bridge infill"
INTERNAL_INFILL = "Internal infill"
GAP_FILL = "Gap fill"
SKIRT = "Skirt/Brim"  # PrusaSlicer's name (2.4 on) for skirt and brim loops, which G-code viewers colour by
SUPPORT_MATERIAL = "Support material"
SUPPORT_MATERIAL_INTERFACE = "Support material interface"

FEATURES = (
    EXTERNAL_PERIMETER,
    OVERHANG_PERIMETER,
    PERIMETER,
    SOLID_INFILL,
    TOP_SOLID_INFILL,
    BRIDGE_INFILL,
    INTERNAL_INFILL,
    GAP_FILL,
    SKIRT,
    SUPPORT_MATERIAL,
    SUPPORT_MATERIAL_INTERFACE,
)
FEATURE_ID = {name: index for index, name in enumerate(FEATURES)}
