"""A transparent cost of one job three ways: at home, at a workshop, or bought; every line says where its
numbers came from.

Workshop: machine hours x hourly rate, material grams x price per gram, a setup fee, and a failure allowance
(a percentage of machine and material). Home: filament grams x the recipe's filament price, electricity
(printer power x hours x tariff) and printer wear per hour, from the user's home-cost settings. Each line is
rounded to the cent and the total is the sum of the rounded lines, so the figures shown always add up.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from app.machines.registry import config_dir
from app.profiles.loader import resources_dir
from app.workshops.errors import WorkshopError
from app.workshops.needs import JobNeeds
from app.workshops.okw import Rates, Workshop

CENT = Decimal("0.01")
HOME_COSTS_FILE = "home-costs.toml"


@dataclass(frozen=True)
class Line:
    label: str
    amount: Decimal
    source: str


@dataclass(frozen=True)
class Costing:
    """One way of getting the part, line by line, in one currency."""

    option: str
    currency: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def as_json(self) -> dict:
        return {"option": self.option, "currency": self.currency, "total": str(self.total),
                "lines": [{"label": x.label, "amount": str(x.amount), "source": x.source} for x in self.lines]}


@dataclass(frozen=True)
class HomeCosts:
    """What printing at home costs besides filament: the printer's mean power draw (W), the electricity tariff
    per kWh, and wear (nozzles, belts, bed sheets) per printing hour. `source` names the file they came from."""

    currency: str
    printer_power_w: Decimal
    tariff_per_kwh: Decimal
    wear_per_hour: Decimal
    source: str


@dataclass(frozen=True)
class Comparison:
    costings: tuple[Costing, ...]
    retail: Costing | None
    savings: tuple[str, ...]

    def as_json(self) -> dict:
        return {"costings": [c.as_json() for c in self.costings],
                "retail": self.retail.as_json() if self.retail else None, "savings": list(self.savings)}


def workshop_costing(needs: JobNeeds, workshop: Workshop) -> Costing:
    """What `workshop` charges for the job, from its published rates."""
    rates = _rates_of(workshop)
    hours = Decimal(str(needs.time_s)) / 3600
    grams = Decimal(str(needs.material_g))
    provenance = workshop.provenance
    where = f"{workshop.name}'s rates ({provenance.source or 'record'}, {provenance.date or 'undated'})"
    key, per_g = material_price(rates, needs.material)
    machine = _cents(hours * rates.machine_per_hour)
    material = _cents(grams * per_g)
    allowance = _cents((machine + material) * rates.failure_allowance_pct / 100)
    c = rates.currency
    lines = (
        Line("machine time", machine, f"{needs.time_s:.0f} s ({hours:.2f} h) from the program's estimate x "
                                      f"{rates.machine_per_hour} {c}/h, {where}"),
        Line("material", material, f"{needs.material_g:.1f} g from the program's estimate x {per_g} {c}/g "
                                   f"for {key}, {where}"),
        Line("setup fee", _cents(rates.setup_fee), f"flat fee, {where}"),
        Line("failure allowance", allowance, f"{rates.failure_allowance_pct}% of machine time and material "
                                             f"({machine + material} {c}), {where}"),
    )
    return Costing(option=f"workshop: {workshop.name}", currency=c, lines=lines)


def home_costing(needs: JobNeeds, home: HomeCosts) -> Costing:
    """What the job costs on the user's own printer."""
    hours = Decimal(str(needs.time_s)) / 3600
    grams = Decimal(str(needs.material_g))
    per_kg = Decimal(str(needs.material_price_per_kg))
    kwh = home.printer_power_w * hours / 1000
    lines = (
        Line("filament", _cents(grams * per_kg / 1000),
             f"{needs.material_g:.1f} g from the program's estimate x {per_kg} {home.currency}/kg "
             f"(filament_cost of {needs.material} recorded in the recipe)"),
        Line("electricity", _cents(kwh * home.tariff_per_kwh),
             f"{home.printer_power_w} W x {hours:.2f} h = {kwh:.3f} kWh x {home.tariff_per_kwh} "
             f"{home.currency}/kWh ({home.source})"),
        Line("printer wear", _cents(hours * home.wear_per_hour),
             f"{hours:.2f} h x {home.wear_per_hour} {home.currency}/h ({home.source})"),
    )
    return Costing(option="at home", currency=home.currency, lines=lines)


def compare(costings: list[Costing], retail_price: Decimal | None = None, retail_currency: str = "") -> Comparison:
    """The options side by side, with the saving of each against the retail price (percent of it) when the
    user gave one in the same currency."""
    if retail_price is None:
        return Comparison(costings=tuple(costings), retail=None, savings=())
    if retail_price <= 0:
        raise WorkshopError("the retail price must be above zero (for example --retail 12.50)")
    retail = Costing(option="buy", currency=retail_currency,
                     lines=(Line("retail price", _cents(retail_price), "as typed by you"),))
    savings = []
    for costing in costings:
        if costing.currency != retail_currency:
            savings.append(f"{costing.option}: not compared, it is in {costing.currency} and the retail price in "
                           f"{retail_currency}")
            continue
        saved = retail.total - costing.total
        percent = (saved / retail.total * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        verb = "saves" if saved >= 0 else "costs"
        savings.append(f"{costing.option} {verb} {abs(saved)} {retail_currency} ({abs(percent)}%) against buying")
    return Comparison(costings=tuple(costings), retail=retail, savings=tuple(savings))


def material_price(rates: Rates, material: str) -> tuple[str, Decimal]:
    """The workshop's price per gram for the recipe's material (matched by name), else its `default` price."""
    tokens = material_tokens(material)
    for key, price in sorted(rates.material_per_g.items()):
        if key.upper() in tokens:
            return key, price
    if "default" in rates.material_per_g:
        return "default", rates.material_per_g["default"]
    raise WorkshopError(f"the workshop's rates name no price for {material}; ask them for one")


def material_tokens(material: str) -> set[str]:
    """The words of a material's id or name in upper case: "generic-pla" -> {"GENERIC", "PLA"}."""
    return {t for t in "".join(c if c.isalnum() else " " for c in material.upper()).split() if t}


def load_home_costs() -> HomeCosts:
    """The user's home-cost settings ($LOCALFAB_CONFIG_DIR/home-costs.toml) over localfab's defaults."""
    defaults_path = resources_dir() / "workshops" / HOME_COSTS_FILE
    values = _read_toml(defaults_path)
    source = f"localfab's defaults in resources/workshops/{HOME_COSTS_FILE}"
    user_path = config_dir() / HOME_COSTS_FILE
    if user_path.is_file():
        values.update(_read_toml(user_path))
        source = f"your settings in {user_path}"
    try:
        return HomeCosts(currency=str(values["currency"]),
                         printer_power_w=Decimal(str(values["printer_power_w"])),
                         tariff_per_kwh=Decimal(str(values["tariff_per_kwh"])),
                         wear_per_hour=Decimal(str(values["wear_per_hour"])), source=source)
    except (KeyError, ArithmeticError) as exc:
        raise WorkshopError(f"{user_path}: home costs need currency, printer_power_w, tariff_per_kwh and "
                            f"wear_per_hour as numbers ({exc})") from exc


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WorkshopError(f"{path}: cannot read the home costs ({exc}); fix or delete the file") from exc


def _rates_of(workshop: Workshop) -> Rates:
    if workshop.rates is None:
        raise WorkshopError(f"{workshop.name} publishes no rates, so no quote can be worked out; ask them")
    return workshop.rates


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)
