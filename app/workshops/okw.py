"""Workshop records in the Open Know Where (OKW) model, read from and written to JSON.

Field names are the OKW specification's (Internet of Production Alliance, 2021) labels in lower-case with
hyphens, as OKW's own YAML examples write them: `name`, `location` (`address`, `gps-coordinates`),
`contact`, `facility-status`, `opening-hours`, `access-type`, `equipment` (`equipment-type`,
`manufacturing-process`, `make`, `model`, `quantity`, `power-rating`, `materials-worked`, `build-volume`,
`bed-size`). OKW lets a data set add fields of its own (spec 3.16); localfab's are prefixed `localfab:` so
nobody mistakes them for OKW's: the workshop's rates, where the record came from, the address of its server,
and whether it is a made-up example.

Lengths in mm, power in W, money as a decimal string with its currency.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.workshops.errors import WorkshopError

# OKW classifies processes by their Wikipedia article (spec 3.5); localfab's process names map onto them.
PROCESS_ARTICLES = {
    "fdm": "https://en.wikipedia.org/wiki/Fused_filament_fabrication",
    "cnc": "https://en.wikipedia.org/wiki/Milling_(machining)",
    "laser": "https://en.wikipedia.org/wiki/Laser_cutting",
}
FACILITY_STATUSES = ("Active", "Planned", "Temporary Closure", "Closed")
ACCESS_TYPES = ("Restricted", "Restricted with public hours", "Shared space", "Public", "Membership")
MAX_RECORD_BYTES = 1 << 20


@dataclass(frozen=True)
class Provenance:
    """Where a record came from: the source (a file, a server address, "built-in example"), the date it was
    read (ISO 8601) and who checked it against the real workshop ("" when nobody has). A record read without
    one gets the file's or server's when it is added to the directory."""

    source: str
    date: str
    verified_by: str = ""


@dataclass(frozen=True)
class Rates:
    """What the workshop charges, in one currency. `material_per_g` maps a material name to its price per gram."""

    currency: str
    machine_per_hour: Decimal
    material_per_g: dict[str, Decimal]
    setup_fee: Decimal
    failure_allowance_pct: Decimal
    turnaround_days: int


@dataclass(frozen=True)
class Equipment:
    """One kind of machine. `build_volume_mm` (x, y, z) for printers; `bed_size_mm` (x, y) for cutters."""

    process: str
    make: str
    model: str
    quantity: int = 1
    power_w: float | None = None
    materials: tuple[str, ...] = ()
    build_volume_mm: tuple[float, float, float] | None = None
    bed_size_mm: tuple[float, float] | None = None
    equipment_type: str = ""


@dataclass(frozen=True)
class Workshop:
    name: str
    latitude: float
    longitude: float
    address: dict[str, str]
    access_type: str
    opening_hours: str
    contact: dict[str, str]
    equipment: tuple[Equipment, ...]
    provenance: Provenance
    rates: Rates | None = None
    facility_status: str = "Active"
    server: str = ""
    example: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def processes(self) -> set[str]:
        return {e.process for e in self.equipment}


def workshop_from_json(data: Any, label: str) -> Workshop:
    """A Workshop from a parsed OKW record; raises WorkshopError naming the field that is wrong."""
    if not isinstance(data, Mapping):
        raise WorkshopError(f"{label} is not an Open Know Where record (a JSON object)")
    name = _text(data, "name", label, required=True)
    location = _mapping(data, "location", label)
    coordinates = _mapping(location, "gps-coordinates", f"{label}: location")
    latitude = _number(coordinates, "latitude", f"{label}: gps-coordinates", -90, 90)
    longitude = _number(coordinates, "longitude", f"{label}: gps-coordinates", -180, 180)
    status = data.get("facility-status", "Active")
    if status not in FACILITY_STATUSES:
        raise WorkshopError(f"{label}: facility-status {status!r} is not one of {', '.join(FACILITY_STATUSES)}")
    access = data.get("access-type", "")
    if access and access not in ACCESS_TYPES:
        raise WorkshopError(f"{label}: access-type {access!r} is not one of {', '.join(ACCESS_TYPES)}")
    equipment = data.get("equipment", [])
    if not isinstance(equipment, list):
        raise WorkshopError(f"{label}: equipment must be a list")
    provenance = _mapping(data, "localfab:provenance", label, {})
    known = {"name", "location", "facility-status", "access-type", "opening-hours", "contact", "equipment",
             "localfab:provenance", "localfab:rates", "localfab:server", "localfab:example"}
    return Workshop(
        name=name,
        latitude=latitude,
        longitude=longitude,
        address={str(k): str(v) for k, v in _mapping(location, "address", f"{label}: location", {}).items()},
        access_type=access,
        opening_hours=_text(data, "opening-hours", label),
        contact={str(k): str(v) for k, v in _mapping(data, "contact", label, {}).items()},
        equipment=tuple(_equipment(item, f"{label}: equipment {i + 1}") for i, item in enumerate(equipment)),
        provenance=Provenance(source=_text(provenance, "source", f"{label}: localfab:provenance"),
                              date=_text(provenance, "date", f"{label}: localfab:provenance"),
                              verified_by=_text(provenance, "verified-by", f"{label}: localfab:provenance")),
        rates=_rates(data["localfab:rates"], label) if "localfab:rates" in data else None,
        facility_status=status,
        server=_text(data, "localfab:server", label),
        example=data.get("localfab:example") is True,
        extra={k: v for k, v in data.items() if k not in known},
    )


def workshop_to_json(workshop: Workshop) -> dict[str, Any]:
    """The OKW record of `workshop`, with localfab's own fields prefixed; keys in a fixed order."""
    record: dict[str, Any] = {
        **workshop.extra,
        "name": workshop.name,
        "location": {"address": workshop.address,
                     "gps-coordinates": {"latitude": workshop.latitude, "longitude": workshop.longitude}},
        "facility-status": workshop.facility_status,
        "access-type": workshop.access_type,
        "opening-hours": workshop.opening_hours,
        "contact": workshop.contact,
        "equipment": [_equipment_json(e) for e in workshop.equipment],
        "localfab:provenance": {"source": workshop.provenance.source, "date": workshop.provenance.date,
                                "verified-by": workshop.provenance.verified_by},
    }
    if workshop.rates is not None:
        rates = workshop.rates
        record["localfab:rates"] = {
            "currency": rates.currency, "machine-per-hour": str(rates.machine_per_hour),
            "material-per-g": {k: str(v) for k, v in sorted(rates.material_per_g.items())},
            "setup-fee": str(rates.setup_fee), "failure-allowance-pct": str(rates.failure_allowance_pct),
            "turnaround-days": rates.turnaround_days,
        }
    if workshop.server:
        record["localfab:server"] = workshop.server
    if workshop.example:
        record["localfab:example"] = True
    return record


def read_workshops(path: Path) -> list[Workshop]:
    """The records in a JSON file holding one OKW record or a list of them."""
    path = Path(path)
    if not path.is_file():
        raise WorkshopError(f"{path}: no such file; check the path")
    if path.stat().st_size > MAX_RECORD_BYTES * 16:
        raise WorkshopError(f"{path.name} is too large for a file of workshop records")
    return parse_workshops(path.read_bytes(), path.name)


def parse_workshops(data: bytes, label: str) -> list[Workshop]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkshopError(f"{label} is not valid JSON ({exc}); an Open Know Where record is a JSON object") from exc
    items = document if isinstance(document, list) else [document]
    return [workshop_from_json(item, f"{label} record {i + 1}" if len(items) > 1 else label)
            for i, item in enumerate(items)]


def dumps_workshops(workshops: list[Workshop]) -> str:
    return json.dumps([workshop_to_json(w) for w in workshops], indent=2, ensure_ascii=False) + "\n"


def process_of(value: str) -> str:
    """localfab's process name for an OKW manufacturing-process (a Wikipedia URL) or a process name."""
    for process, article in PROCESS_ARTICLES.items():
        if value.strip().lower() in (process, article.lower()):
            return process
    return value.strip()


def _equipment(data: Any, label: str) -> Equipment:
    if not isinstance(data, Mapping):
        raise WorkshopError(f"{label} is not an object")
    process = process_of(_text(data, "manufacturing-process", label, required=True))
    materials = data.get("materials-worked", [])
    if not isinstance(materials, list) or not all(isinstance(m, str) for m in materials):
        raise WorkshopError(f"{label}: materials-worked must be a list of material names")
    volume = _dimensions(data, "build-volume", 3, label)
    bed = _dimensions(data, "bed-size", 2, label)
    quantity = data.get("quantity", 1)
    if not isinstance(quantity, int) or quantity < 1:
        raise WorkshopError(f"{label}: quantity must be a whole number of machines, 1 or more")
    power = data.get("power-rating")
    return Equipment(
        process=process, make=_text(data, "make", label), model=_text(data, "model", label), quantity=quantity,
        power_w=None if power is None else _number(data, "power-rating", label, 0, 1e6),
        materials=tuple(materials), build_volume_mm=volume, bed_size_mm=bed,
        equipment_type=_text(data, "equipment-type", label),
    )


def _equipment_json(equipment: Equipment) -> dict[str, Any]:
    record: dict[str, Any] = {
        "equipment-type": equipment.equipment_type,
        "manufacturing-process": PROCESS_ARTICLES.get(equipment.process, equipment.process),
        "make": equipment.make, "model": equipment.model, "quantity": equipment.quantity,
        "materials-worked": list(equipment.materials),
    }
    if equipment.power_w is not None:
        record["power-rating"] = equipment.power_w
    if equipment.build_volume_mm is not None:
        record["build-volume"] = list(equipment.build_volume_mm)
    if equipment.bed_size_mm is not None:
        record["bed-size"] = list(equipment.bed_size_mm)
    return record


def _rates(data: Any, label: str) -> Rates:
    where = f"{label}: localfab:rates"
    if not isinstance(data, Mapping):
        raise WorkshopError(f"{where} is not an object")
    currency = _text(data, "currency", where, required=True)
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise WorkshopError(f"{where}: currency {currency!r} is not an ISO 4217 code such as EUR or GBP")
    per_g = data.get("material-per-g", {})
    if not isinstance(per_g, Mapping):
        raise WorkshopError(f"{where}: material-per-g must map material names to prices per gram")
    turnaround = data.get("turnaround-days", 0)
    if not isinstance(turnaround, int) or turnaround < 0:
        raise WorkshopError(f"{where}: turnaround-days must be a whole number of days")
    return Rates(
        currency=currency,
        machine_per_hour=_money(data.get("machine-per-hour", "0"), f"{where}: machine-per-hour"),
        material_per_g={str(k): _money(v, f"{where}: material-per-g {k}") for k, v in per_g.items()},
        setup_fee=_money(data.get("setup-fee", "0"), f"{where}: setup-fee"),
        failure_allowance_pct=_money(data.get("failure-allowance-pct", "0"), f"{where}: failure-allowance-pct"),
        turnaround_days=turnaround,
    )


def _money(value: Any, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise WorkshopError(f"{label}: {value!r} is not an amount (write it like \"4.50\")") from exc
    if not amount.is_finite() or amount < 0:
        raise WorkshopError(f"{label}: {value!r} must be zero or more")
    return amount


def _dimensions(data: Mapping[str, Any], key: str, count: int, label: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != count
            or not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1e5 for v in value)):
        axes = "x, y, z" if count == 3 else "x, y"
        raise WorkshopError(f"{label}: {key} must be [{axes}] in mm, each above 0")
    return tuple(float(v) for v in value)


def _mapping(data: Mapping[str, Any], key: str, label: str, default: Any = None) -> Mapping[str, Any]:
    value = data.get(key, default)
    if not isinstance(value, Mapping):
        raise WorkshopError(f"{label}: {key} is missing or not an object")
    return value


def _text(data: Mapping[str, Any], key: str, label: str, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise WorkshopError(f"{label}: {key} is {'missing or ' if required else ''}not text")
    return value


def _number(data: Mapping[str, Any], key: str, label: str, low: float, high: float) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WorkshopError(f"{label}: {key} is missing or not a number")
    if not low <= value <= high:
        raise WorkshopError(f"{label}: {key} {value} is outside {low:g}..{high:g}")
    return float(value)
