"""Everything a member weighs before choosing a workshop for one recipe, in one call: the place they typed,
every workshop in their directory judged and ranked (matching.py), and for each the quote side by side with
printing at home and, when they typed a retail price, with buying (quote.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.jobs import RecipeFile
from app.workshops.errors import WorkshopError
from app.workshops.geo import Place, resolve_place
from app.workshops.matching import Match, match_workshops
from app.workshops.needs import needs_of
from app.workshops.okw import Workshop
from app.workshops.quote import Comparison, compare, home_costing, load_home_costs


@dataclass(frozen=True)
class Offer:
    """One workshop's verdict and its quote against home (and buying); `comparison` holds only the home
    costing when the workshop publishes no rates or has no machine for the job."""

    match: Match
    comparison: Comparison


@dataclass(frozen=True)
class Offers:
    near: Place
    offers: tuple[Offer, ...]


def retail_price(text: str) -> Decimal | None:
    """The retail price a person typed ("12.50"); None when the field is empty."""
    if not text.strip():
        return None
    try:
        price = Decimal(text.strip())
    except InvalidOperation as exc:
        raise WorkshopError(f"{text.strip()!r} is not a price: write it like 12.50") from exc
    if not price.is_finite():
        raise WorkshopError(f"{text.strip()!r} is not a price: write it like 12.50")
    return price


def workshop_offers(recipe_file: RecipeFile, near: str, workshops: list[Workshop], today: dt.date,
                    retail: Decimal | None = None, days_ahead: int = 7) -> Offers:
    """The workshops of `workshops` for the recipe as seen from `near` (a town or "lat, lon"), ranked as
    `match_workshops` ranks them; the retail price is taken to be in the user's home currency."""
    if not workshops:
        raise WorkshopError("your directory has no workshops yet: add one from its server "
                            "(`localfab workshop add ADDRESS`) or include the built-in examples")
    place = resolve_place(near)
    needs = needs_of(recipe_file)
    home_costs = load_home_costs()
    home = home_costing(needs, home_costs)
    offers = tuple(
        Offer(match, compare([home, *([match.costing] if match.costing else [])], retail, home_costs.currency))
        for match in match_workshops(needs, workshops, place, today, days_ahead))
    return Offers(near=place, offers=offers)
