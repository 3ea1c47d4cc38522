"""A router job for one flat part on one sheet: the operations in cutting order, the stock simulated, and
the program written only when the simulation proves it.

Order: engrave, pockets, round holes (drilled when the tool's size, bored when bigger), then the outside
profile with tabs, last, so the part is held by the whole sheet while everything inside it is cut.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from slicing.cnc.dogbone import add_reliefs
from slicing.cnc.engrave import engrave, engrave_width_mm
from slicing.cnc.flat import FlatPart
from slicing.cnc.holes import DRILL_FIT_MM, drill, helical_bore, round_holes
from slicing.cnc.pocket import pocket, rest_pocket
from slicing.cnc.post import ProgramFile, Stock3, post_program
from slicing.cnc.profile import ProfileOptions, profile
from slicing.cnc.simulate import Stock, simulate
from slicing.cnc.tooling import CncMachine, CuttingData, Tool
from slicing.cnc.toolpath import Toolpath
from slicing.cnc.verify import StockFinding, cut_free_findings, refuse_gouges
from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.progress import CancelCallback, ProgressCallback, StageProgress

# Share of a job's run time each stage takes, for one progress fraction over the whole job.
_STAGE_WEIGHTS = {"toolpaths": 1.0, "simulation": 4.0, "checks": 1.0, "program": 2.0}


@dataclass(frozen=True)
class RouterSettings:
    """How a part is cut. tool cuts the profile, holes and (unless pocket_tool is given) the pockets;
    rest_tool, a smaller one, clears what the pocket tool left in the pockets' corners; engrave_tool follows
    engraved lines. sheet_mm: (width, height) of the sheet; margin_mm: from the
    sheet's corner to the part; tabs: count, width and height of holding tabs on each through-cut piece; corner_relief:
    "dogbone" or "tbone" to relieve inside corners so mating parts seat ("" for none); resolution_mm:
    cell size of the simulation; relief_clearance_mm: how much bigger than the tool the reliefs are;
    lead_mm, lead_style: lead-in and lead-out of the outside profile, "line" or "arc" (slicing.cnc.profile).
    Tabs go where the part's tab_points say, else tab_count of them are placed automatically."""

    tool: Tool
    cutting: CuttingData
    sheet_mm: tuple[float, float]
    engrave_tool: Tool | None = None
    engrave_cutting: CuttingData | None = None
    pocket_tool: Tool | None = None
    pocket_cutting: CuttingData | None = None
    rest_tool: Tool | None = None
    rest_cutting: CuttingData | None = None
    direction: str = "climb"
    finishing_allowance_mm: float = 0.0
    tab_count: int = 4
    tab_width_mm: float = 8.0
    tab_height_mm: float = 3.0
    corner_relief: str = ""
    relief_clearance_mm: float = 0.0
    lead_mm: float = 0.0
    lead_style: str = "line"
    drill_round_holes: bool = True
    margin_mm: float = 10.0
    resolution_mm: float = 0.5


@dataclass(frozen=True)
class RouterJob:
    """The planned, proven job: the part as cut (corner reliefs added), its toolpaths, the
    simulated stock, what the simulation found, and the program files."""

    part: FlatPart
    toolpaths: tuple[Toolpath, ...]
    stock: Stock
    findings: tuple[StockFinding, ...]
    files: tuple[ProgramFile, ...]


def plan_router_job(part: FlatPart, settings: RouterSettings, machine: CncMachine, material_name: str,
                    progress: ProgressCallback | None = None, cancel: CancelCallback | None = None) -> RouterJob:
    """Plan, simulate, check and post a part already in place on the sheet (place_on_sheet, or a nested
    sheet's sheet_part); raises GougeError rather than post a gouging program. progress(fraction, stage)
    is told how far it is; cancel() returning True stops it with SliceCancelled."""
    stages = StageProgress(_STAGE_WEIGHTS, progress, cancel)
    if part.thickness_mm <= 0:
        raise SlicingError(f"{part.name}: give the sheet thickness (measure it: 18 mm plywood is often 17.5)")
    _check_sheet(part, settings, machine)
    placed = relieved(part, settings)
    stages.step("toolpaths", 0, 1)
    toolpaths = operations(placed, settings)
    stock = Stock.block((0.0, 0.0, *settings.sheet_mm), placed.thickness_mm, settings.resolution_mm)
    for index, toolpath in enumerate(toolpaths):
        stages.step("simulation", index, len(toolpaths))
        simulate(stock, [toolpath], cancel)
    stages.step("checks", 0, 1)
    width = engrave_width_mm(settings.engrave_tool, placed.engrave_depth_mm) if settings.engrave_tool else 0.0
    refuse_gouges(stock, placed, width)
    tabs = [tab for toolpath in toolpaths for tab in toolpath.tabs]
    findings = cut_free_findings(stock, placed, tabs, settings.tool.radius_mm)
    sheet = Stock3(*settings.sheet_mm, placed.thickness_mm, material_name)
    stages.step("program", 0, 1)
    files = post_program(toolpaths, machine, sheet, placed.name)
    stages.step("program", 1, 1)
    return RouterJob(placed, tuple(toolpaths), stock, tuple(findings), tuple(files))


def relieved(part: FlatPart, settings: RouterSettings) -> FlatPart:
    """The part with its inside corners relieved as the settings ask (unchanged when they do not)."""
    if not settings.corner_relief:
        return part
    return replace(part, outline=add_reliefs(part.outline, settings.tool.radius_mm, settings.corner_relief,
                                             settings.relief_clearance_mm))


def operations(part: FlatPart, settings: RouterSettings) -> list[Toolpath]:
    """The part's toolpaths in cutting order."""
    tool, data = settings.tool, settings.cutting
    toolpaths: list[Toolpath] = []
    if part.engravings:
        if settings.engrave_tool is None or settings.engrave_cutting is None:
            raise SlicingError(f"{part.name} has engraving: choose an engraving tool (a V-bit) for it")
        toolpaths.append(engrave(part.engravings, part.engrave_depth_mm, settings.engrave_tool,
                                 settings.engrave_cutting))
    climb = settings.direction == "climb"
    pocket_tool, pocket_data = settings.pocket_tool or tool, settings.pocket_cutting or data
    for depth, region in part.pockets:
        toolpaths.append(pocket(region, depth, pocket_tool, pocket_data, climb=climb, name=f"pocket {depth:g} mm"))
    if settings.rest_tool is not None and settings.rest_cutting is not None:
        # After every pocket's bulk, so the small tool goes in once.
        rests = (rest_pocket(region, depth, pocket_tool, settings.rest_tool, settings.rest_cutting, climb=climb,
                             name=f"rest of pocket {depth:g} mm") for depth, region in part.pockets)
        toolpaths += [rest for rest in rests if rest is not None]
    outline = part.outline
    if settings.drill_round_holes:
        outline, hole_paths = _round_hole_paths(part, settings)
        toolpaths += hole_paths
    options = ProfileOptions(depth_mm=part.thickness_mm, side="outside", direction=settings.direction, through=True,
                             finishing_allowance_mm=settings.finishing_allowance_mm, tab_count=settings.tab_count,
                             tab_width_mm=settings.tab_width_mm, tab_height_mm=settings.tab_height_mm,
                             tab_points=part.tab_points, lead_mm=settings.lead_mm, lead_style=settings.lead_style)
    toolpaths.append(profile(outline, tool, data, options, name="outside profile"))
    return toolpaths


def _round_hole_paths(part: FlatPart, settings: RouterSettings) -> tuple[polygons.Paths, list[Toolpath]]:
    """Drill and bore the round holes a tool can; the outline left for the profile without them."""
    tool, data = settings.tool, settings.cutting
    depth = part.thickness_mm + ProfileOptions(depth_mm=1.0).breakthrough_mm
    drilled, bores, handled = [], [], set()
    for centre, diameter, index in round_holes(part.outline):
        if abs(diameter - tool.diameter_mm) <= DRILL_FIT_MM and tool.centre_cutting:
            drilled.append(centre)
            handled.add(index)
        elif diameter > tool.diameter_mm + DRILL_FIT_MM:
            bores.append(helical_bore(centre, diameter, depth, tool, data, climb=settings.direction == "climb",
                                      name=f"bore {diameter:.1f} mm"))
            handled.add(index)
    paths = ([drill(drilled, depth, tool, data)] if drilled else []) + bores
    rings = [ring for index, ring in enumerate(part.outline) if index not in handled]
    return polygons.union(rings), paths


def place_on_sheet(part: FlatPart, sheet_mm: tuple[float, float], margin_mm: float) -> FlatPart:
    """One part moved so its lower left corner sits margin_mm in from the sheet's."""
    xmin, ymin, _, _ = part.bounds_mm()
    return part.translated(np.array([margin_mm - xmin, margin_mm - ymin]))


def _check_sheet(part: FlatPart, settings: RouterSettings, machine: CncMachine) -> None:
    """The part lies on the sheet, inside its margins, and the sheet on the machine."""
    refuse_off_sheet(part, settings.sheet_mm, settings.margin_mm)
    refuse_sheet_off_machine(settings.sheet_mm, machine)


def lies_on_sheet(part: FlatPart, sheet_mm: tuple[float, float], margin_mm: float) -> bool:
    """Whether the part in place lies on the sheet, margin_mm in from its edges."""
    xmin, ymin, xmax, ymax = part.bounds_mm()
    width, height = sheet_mm
    margin = margin_mm - 1e-6
    return xmin >= margin and ymin >= margin and xmax <= width - margin and ymax <= height - margin


def refuse_off_sheet(part: FlatPart, sheet_mm: tuple[float, float], margin_mm: float) -> None:
    """Raise SlicingError unless the part in place lies on the sheet, margin_mm in from its edges."""
    if not lies_on_sheet(part, sheet_mm, margin_mm):
        xmin, ymin, xmax, ymax = part.bounds_mm()
        width, height = sheet_mm
        raise SlicingError(f"{part.name} ({xmax - xmin:.0f} x {ymax - ymin:.0f} mm) does not fit a {width:g} x "
                           f"{height:g} mm sheet with {margin_mm:g} mm margins: use a bigger sheet")


def refuse_sheet_off_machine(sheet_mm: tuple[float, float], machine: CncMachine) -> None:
    """Raise SlicingError when the sheet is bigger than the machine's travel (a laser's bed)."""
    width, height = sheet_mm
    if width > machine.travel_mm[0] or height > machine.travel_mm[1]:
        raise SlicingError(f"a {width:g} x {height:g} mm sheet is bigger than the {machine.name}'s travel "
                           f"({machine.travel_mm[0]:g} x {machine.travel_mm[1]:g} mm): cut the sheet down first")
