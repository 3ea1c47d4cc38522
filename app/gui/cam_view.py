"""A router or laser job in the 3D view: the sheet as the bed, the parts' outlines on it, the toolpaths
coloured by operation, and (for a router) the simulated stock as a height-map surface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv

from app.gui.bed_view import TOOLPATH_ACTOR, BedView

if TYPE_CHECKING:
    from app.gui.cam_job import CamPreview
    from slicing.cnc.simulate import Stock

OPERATION_COLOURS = {
    "profile": "#e0312b", "pocket": "#1f6fd6", "drill": "#2fbf3a", "engrave": "#c238c2",
    "cut": "#e0312b", "fill": "#d6b21f",
}
OUTLINE_COLOUR = "#5b4636"
OUTLINES_ACTOR = "cam outlines"
HAND_TABS_ACTOR = "cam hand tabs"
HAND_TAB_COLOUR = "#0f9d8a"
STOCK_ACTOR = "cam stock"
STOCK_SCALE_BAR = {"title": "Cut depth (mm)", "title_font_size": 14, "label_font_size": 12, "width": 0.35,
                   "position_x": 0.6, "position_y": 0.04, "n_labels": 2, "fmt": "%.0f"}
# The stock surface is drawn from at most this many cells: a sheet at 0.5 mm has millions.
MAX_STOCK_CELLS = 250_000


def operation_colour(kind: str) -> str:
    return OPERATION_COLOURS[kind]


def show_cam_preview(view: BedView, preview: CamPreview, *, frame: bool = True) -> None:
    """Make the sheet the bed and draw the parts' outlines and the toolpaths on it; framed in the view unless
    `frame` is False (the camera stays where it is)."""
    view.clear_part()
    _remove_stock(view)
    if view.bed_size != preview.sheet_mm:
        view.show_bed(*preview.sheet_mm)
    if preview.outlines.n_cells:
        view.plotter.add_mesh(preview.outlines, name=OUTLINES_ACTOR, color=OUTLINE_COLOUR, line_width=1.5,
                              lighting=False, reset_camera=False, pickable=False)
    view.show_toolpaths(preview.toolpaths, [operation_colour(kind) for kind in preview.kinds])
    if not frame:
        view.plotter.render()
        return
    # Framed on the sheet and the toolpaths both, so a drawing that runs off the sheet is seen whole.
    bounds = np.array([0.0, preview.sheet_mm[0], 0.0, preview.sheet_mm[1], 0.0, preview.thickness_mm])
    if preview.toolpaths.n_cells:
        drawn = np.asarray(preview.toolpaths.bounds)
        bounds[0::2] = np.minimum(bounds[0::2], drawn[0::2])
        bounds[1::2] = np.maximum(bounds[1::2], drawn[1::2])
    view.frame_box(bounds)


def show_stock(view: BedView, stock: Stock | None) -> None:
    """Draw the simulated stock as a surface warped by its heights (None hides it); the toolpaths make way."""
    if stock is None:
        _remove_stock(view)
        if TOOLPATH_ACTOR in view.plotter.actors:
            view.plotter.actors[TOOLPATH_ACTOR].visibility = True
        view.plotter.render()
        return
    step = max(1, int(np.ceil(np.sqrt(stock.heights.size / MAX_STOCK_CELLS))))
    x, y = (grid[::step, ::step] for grid in stock.cell_centres())
    heights = stock.heights[::step, ::step]
    surface = pv.StructuredGrid(x, y, heights + stock.thickness_mm)
    surface.point_data["depth"] = -heights.ravel(order="F")
    view.plotter.add_mesh(surface, name=STOCK_ACTOR, scalars="depth", cmap="copper_r",
                          clim=(0.0, stock.thickness_mm), scalar_bar_args=STOCK_SCALE_BAR,
                          reset_camera=False, pickable=False)
    if TOOLPATH_ACTOR in view.plotter.actors:
        view.plotter.actors[TOOLPATH_ACTOR].visibility = False
    view.plotter.render()


def show_hand_tabs(view: BedView, points: np.ndarray) -> None:
    """Mark the tabs placed by hand ((n, 3) mm on the sheet, every copy's) as dots; none clears them."""
    if len(points):
        view.plotter.add_points(np.asarray(points, dtype=float), name=HAND_TABS_ACTOR, color=HAND_TAB_COLOUR,
                                point_size=12, render_points_as_spheres=True, reset_camera=False, pickable=False)
    else:
        view.plotter.remove_actor(HAND_TABS_ACTOR, render=False)
    view.plotter.render()


def clear_cam(view: BedView) -> None:
    """Take the job's outlines, toolpaths, tab marks and stock off the view (the bed stays the sheet until the
    next part)."""
    view.plotter.remove_actor(OUTLINES_ACTOR, render=False)
    view.plotter.remove_actor(HAND_TABS_ACTOR, render=False)
    _remove_stock(view)
    view.clear_toolpaths()


def _remove_stock(view: BedView) -> None:
    view.plotter.remove_actor(STOCK_ACTOR, render=False)
    if view.plotter.scalar_bars:
        view.plotter.remove_scalar_bar()
