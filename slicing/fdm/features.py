"""Names of what the head extrudes, in PrusaSlicer's `;TYPE:` wording, which previews and G-code analysers
already know."""

EXTERNAL_PERIMETER = "External perimeter"
PERIMETER = "Perimeter"
SOLID_INFILL = "Solid infill"
TOP_SOLID_INFILL = "Top solid infill"
INTERNAL_INFILL = "Internal infill"
SKIRT = "Skirt"
