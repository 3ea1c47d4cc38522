"""What the "Make at a workshop" window asks for in one call: every workshop ranked with its reasons, and
its quote beside printing at home and buying."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.jobs import RecipeFile, read_recipe
from app.workshops import directory
from app.workshops.errors import WorkshopError
from app.workshops.offers import retail_price, workshop_offers
from tests.test_workshop_directory import SUNDAY
from tests.workshops.recipes import recipe_bytes


def _recipe(folder, size=(80.0, 60.0, 40.0)) -> RecipeFile:
    path = folder / "job.localfab"
    path.write_bytes(recipe_bytes(size))
    return read_recipe(path)


def test_each_workshop_comes_ranked_with_its_quote_beside_home_and_buying(tmp_path):
    found = workshop_offers(_recipe(tmp_path), "Bristol", directory.example_workshops(), SUNDAY, Decimal("30"))
    assert found.near.name == "Bristol, GB"
    first, second = found.offers
    assert first.match.ok and first.match.workshop.name.startswith("EXAMPLE Riverside")
    options = [c.option for c in first.comparison.costings]
    assert options == ["at home", f"workshop: {first.match.workshop.name}"]
    assert first.comparison.costings[1].total == Decimal("10.70")
    assert first.comparison.retail.total == Decimal("30.00") and len(first.comparison.savings) == 2
    assert second.match.distance_km > first.match.distance_km


def test_a_workshop_too_small_keeps_only_the_home_costing_and_says_why(tmp_path):
    too_wide = _recipe(tmp_path, (240.0, 230.0, 40.0))
    found = workshop_offers(too_wide, "51.45, -2.59", directory.example_workshops(), SUNDAY)
    for offer in found.offers:
        assert not offer.match.ok and any("too small by" in r for r in offer.match.reasons)
    assert found.offers[1].comparison.retail is None


def test_no_workshops_and_a_bad_price_are_explained(tmp_path):
    with pytest.raises(WorkshopError, match="no workshops yet"):
        workshop_offers(_recipe(tmp_path), "Bristol", [], SUNDAY)
    assert retail_price("  ") is None and retail_price("12.50") == Decimal("12.50")
    with pytest.raises(WorkshopError, match="not a price"):
        retail_price("twelve")
