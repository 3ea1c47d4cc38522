"""What a job needs from a machine, read from its recipe: the process, the part's size, the material, and
the program's time and material estimates."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.jobs import PART_FILE, RecipeFile
from app.workshops.errors import WorkshopError


@dataclass(frozen=True)
class JobNeeds:
    """Sizes in mm (the part's bounding box as it sits on the bed), time in s, material in g, price per kg in
    the user's currency."""

    process: str
    size_mm: tuple[float, float, float]
    material: str
    material_price_per_kg: float
    time_s: float
    material_g: float


def needs_of(recipe_file: RecipeFile) -> JobNeeds:
    from slicing.threemf import read_3mf

    recipe = recipe_file.recipe
    with tempfile.TemporaryDirectory(prefix="localfab-needs-") as scratch:
        part = Path(scratch) / PART_FILE
        part.write_bytes(recipe_file.files[PART_FILE])
        try:
            vertices, _ = read_3mf(part)
        except Exception as exc:  # lib3mf reports a damaged file in many ways; all mean the same here
            raise WorkshopError(f"the recipe's part.3mf cannot be read ({exc}); make the recipe again") from exc
    if len(vertices) == 0:
        raise WorkshopError("the recipe's part holds no geometry, so no machine can be matched to it")
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    size = tuple(round(float(v), 3) for v in high - low)
    estimate = recipe.estimate
    try:
        return JobNeeds(process=recipe.process, size_mm=size, material=recipe.material.get("id", ""),
                        material_price_per_kg=float(recipe.settings.get("filament_cost", 0.0)),
                        time_s=float(estimate["time_s"]), material_g=float(estimate["filament_g"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkshopError(f"the recipe has no usable time or material estimate ({exc}); make it again") from exc
