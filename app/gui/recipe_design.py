"""The design a recipe was made with, for opening the recipe in the window (see app.chain.recorded_template)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.jobs import DESIGN_FILE, RecipeFile
from parametric_designs.templates import Template


def recipe_design(loaded: RecipeFile, scratch: Path) -> Template:
    """The template to reopen `loaded` with, a carried design unpacked into a new folder under `scratch`;
    raise RecipeError when neither the installed nor a carried design is at hand."""
    from app.chain import recorded_template  # the chain (and what it imports) loads when a recipe is opened

    folder = Path(tempfile.mkdtemp(prefix="design-", dir=scratch))
    template, _notes = recorded_template(loaded.recipe.design, loaded.files.get(DESIGN_FILE), folder)
    return template
