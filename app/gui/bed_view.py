"""The 3D view: the printer's bed with a millimetre grid, and the part standing on it.

Coordinates are the printer's, in millimetres: the origin is the bed's front-left corner, X runs to the right,
Y to the back and Z up, so a part placed by slicing.mesh.place_on_bed shows exactly where it will print.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pyvistaqt import QtInteractor

BACKGROUND_BOTTOM = "#dfe4ea"
BACKGROUND_TOP = "#fbfcfd"
DARK_BACKGROUND_BOTTOM = "#1f2328"
DARK_BACKGROUND_TOP = "#3a4048"
BED_COLOUR = "#eceff2"
BED_EDGE_COLOUR = "#7d8691"
MINOR_GRID_COLOUR = "#cfd5dc"
MAJOR_GRID_COLOUR = "#a9b2bc"
PART_COLOUR = "#e8833a"
# A part that the checks say cannot be printed here (e.g. it hangs over the bed's edge).
PROBLEM_PART_COLOUR = "#c9453a"
# Facets painted by `paint_facets`, by mark: 1 the chosen finding, 2 an overhang, 3 a thin wall.
SELECTED_COLOUR = "#1f6fd6"
OVERHANG_COLOUR = "#d6b21f"
THIN_WALL_COLOUR = "#8e3fd6"
MARK_COLOURS = (SELECTED_COLOUR, OVERHANG_COLOUR, THIN_WALL_COLOUR)
FINDING_POINT_COLOUR = "#1f6fd6"
# Behind the toolpaths the part stays as a faint ghost, so the layers read against its outline.
GHOST_OPACITY = 0.12
TOOLPATH_LINE_WIDTH = 2.0
X_AXIS_COLOUR = "#d64541"
Y_AXIS_COLOUR = "#3a9a4a"

MINOR_GRID_MM = 10.0
MAJOR_GRID_MM = 50.0
BED_THICKNESS_MM = 3.0
# The grid floats this far above the plate so the two never fight over the same depth.
GRID_LIFT_MM = 0.1
ORIGIN_MARK_MM = 25.0
# Camera direction from the scene's centre: in front of the bed (-Y), to its right (+X), and above.
VIEW_FROM = np.array([0.65, -1.0, 0.8])
VIEW_ANGLE_DEG = 30.0
# The framed scene fills this fraction of the view's width or height, whichever it reaches first.
FRAME_FILL = 0.9

PART_ACTOR = "part"
TOOLPATH_ACTOR = "toolpaths"
BED_ACTORS = ("bed", "bed edge", "minor grid", "major grid", "origin x", "origin y")
BED_SEEN_THROUGH_OPACITY = 0.15
POINTS_ACTOR = "finding points"
# A press and release this close together (pixels) are a click, not a turn of the camera.
CLICK_SLOP_PX = 4.0


class BedView(QWidget):
    """A pyvistaqt view of one printer's bed and at most one part on it."""

    # (x, y) mm where a click met the plane asked for with `report_clicks_on_plane`.
    clicked_on_plane = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Redraw when something changes or the person moves the camera, not on a timer.
        self.plotter = QtInteractor(self, auto_update=False)
        self._clicks_plane_z: float | None = None
        self._pressed_at: QPointF | None = None
        self.plotter.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plotter)
        self.plotter.set_background(BACKGROUND_BOTTOM, top=BACKGROUND_TOP)
        self.plotter.enable_anti_aliasing("fxaa")
        self.plotter.add_axes(line_width=2, labels_off=False)
        self.bed_size: tuple[float, float] = (0.0, 0.0)
        self.part_actor: pv.Actor | None = None
        self._surface: pv.PolyData | None = None
        self._printable = True
        self._marks: np.ndarray | None = None
        self._ghost = False

    def show_bed(self, size_x: float, size_y: float) -> None:
        """Draw a bed of `size_x` × `size_y` mm with its front-left corner at the origin, and look at it."""
        self.bed_size = (size_x, size_y)
        plate = pv.Box(bounds=(0.0, size_x, 0.0, size_y, -BED_THICKNESS_MM, 0.0))
        self.plotter.add_mesh(plate, name="bed", color=BED_COLOUR, ambient=0.35, diffuse=0.65, pickable=False)
        self.plotter.add_mesh(plate.extract_feature_edges(), name="bed edge", color=BED_EDGE_COLOUR,
                              line_width=1.5, lighting=False, pickable=False)
        minor = _grid_lines(size_x, size_y, MINOR_GRID_MM, GRID_LIFT_MM)
        major = _grid_lines(size_x, size_y, MAJOR_GRID_MM, 2 * GRID_LIFT_MM)
        self.plotter.add_mesh(minor, name="minor grid", color=MINOR_GRID_COLOUR, line_width=1,
                              lighting=False, pickable=False)
        self.plotter.add_mesh(major, name="major grid", color=MAJOR_GRID_COLOUR, line_width=1.5,
                              lighting=False, pickable=False)
        # Short red and green marks along the front and left edges say where the origin is and which way X and Y run.
        lift = 3 * GRID_LIFT_MM
        self.plotter.add_mesh(pv.Line((0, 0, lift), (ORIGIN_MARK_MM, 0, lift)), name="origin x",
                              color=X_AXIS_COLOUR, line_width=4, lighting=False, pickable=False)
        self.plotter.add_mesh(pv.Line((0, 0, lift), (0, ORIGIN_MARK_MM, lift)), name="origin y",
                              color=Y_AXIS_COLOUR, line_width=4, lighting=False, pickable=False)
        self.frame()

    def show_part(self, surface: pv.PolyData, *, frame: bool, printable: bool = True) -> None:
        """Show `surface` (with normals and a `facet` cell array) as the part, replacing the previous one;
        `frame` refits the camera. A part that is not `printable` on this printer is drawn in a warning colour.
        """
        self._surface = surface
        self._printable = printable
        self._marks = None
        self.plotter.remove_actor(POINTS_ACTOR, render=False)
        self._draw_part()
        if frame:
            self.frame()
        else:
            self.plotter.render()

    def paint_facets(self, marks: np.ndarray | None) -> None:
        """Colour facets by mark (one per facet of the part's mesh: 0 plain, else an index into MARK_COLOURS
        plus one); None paints the part plainly again."""
        self._marks = marks
        if self._surface is not None:
            self._draw_part()
            self.plotter.render()

    def mark_points(self, points: np.ndarray) -> None:
        """Show (n, 3) points in mm as dots above everything else; none clears them."""
        if len(points):
            actor = self.plotter.add_points(np.asarray(points, dtype=float), name=POINTS_ACTOR,
                                            color=FINDING_POINT_COLOUR, point_size=14,
                                            render_points_as_spheres=True, reset_camera=False, pickable=False)
            actor.mapper.SetResolveCoincidentTopologyToPolygonOffset()
        else:
            self.plotter.remove_actor(POINTS_ACTOR, render=False)
        self.plotter.render()

    def show_toolpaths(self, lines: pv.PolyData, colours: list[str]) -> None:
        """Draw toolpath `lines` coloured by their `feature` cell array (an index into `colours`), with the
        part as a ghost behind them."""
        if lines.n_cells:
            self.plotter.add_mesh(lines, name=TOOLPATH_ACTOR, scalars="feature", cmap=colours,
                                  clim=(-0.5, len(colours) - 0.5), n_colors=len(colours), show_scalar_bar=False,
                                  line_width=TOOLPATH_LINE_WIDTH, lighting=False, reset_camera=False,
                                  pickable=False)
        else:
            self.plotter.remove_actor(TOOLPATH_ACTOR, render=False)
        self._ghost = True
        self._draw_part()
        self.plotter.render()

    def clear_toolpaths(self) -> None:
        self.plotter.remove_actor(TOOLPATH_ACTOR, render=False)
        self._ghost = False
        self._draw_part()
        self.plotter.render()

    def clear_part(self) -> None:
        self._surface = None
        self._marks = None
        for name in (PART_ACTOR, TOOLPATH_ACTOR, POINTS_ACTOR):
            self.plotter.remove_actor(name, render=False)
        self.part_actor = None
        self._ghost = False
        self.plotter.render()

    def set_dark(self, dark: bool) -> None:
        """Use the dark background (for a dark desktop theme) or the light one."""
        if dark:
            self.plotter.set_background(DARK_BACKGROUND_BOTTOM, top=DARK_BACKGROUND_TOP)
        else:
            self.plotter.set_background(BACKGROUND_BOTTOM, top=BACKGROUND_TOP)
        self.plotter.render()

    def frame(self) -> None:
        """Look at the bed and the part from the front-right, above, so that both fill the view."""
        size_x, size_y = self.bed_size
        bounds = np.array([0.0, size_x, 0.0, size_y, 0.0, 0.0])
        if self.part_actor is not None:
            part = np.asarray(self.part_actor.bounds)
            bounds[0::2] = np.minimum(bounds[0::2], part[0::2])
            bounds[1::2] = np.maximum(bounds[1::2], part[1::2])
        self.frame_box(bounds)

    def frame_box(self, bounds: np.ndarray, *, from_below: bool = False) -> None:
        """Look at the box (xmin, xmax, ymin, ymax, zmin, zmax) in mm from the front-right, above (or below,
        through the bed, for what faces down), filling the view with it."""
        bounds = np.asarray(bounds, dtype=float)
        centre = (bounds[0::2] + bounds[1::2]) / 2.0
        camera = self.plotter.camera
        camera.focal_point = centre
        direction = VIEW_FROM * (1.0, 1.0, -1.0) if from_below else VIEW_FROM
        # Seen from below, the plate would hide the part: it turns see-through until the view is above again.
        for name in BED_ACTORS:
            if name in self.plotter.actors:
                self.plotter.actors[name].prop.opacity = BED_SEEN_THROUGH_OPACITY if from_below else 1.0
        camera.position = centre + direction / np.linalg.norm(direction)
        camera.up = (0.0, 0.0, 1.0)
        camera.view_angle = VIEW_ANGLE_DEG
        self.plotter.reset_camera(render=False, bounds=bounds)
        # ResetCamera fits the bounding sphere, which leaves a wide margin around a flat bed. Narrow the view
        # angle until the farthest corner sits at FRAME_FILL: view coordinates scale with 1 / tan(angle / 2).
        reach = max(self._view_reach(corner) for corner in _corners(bounds))
        if reach > 0:
            half_angle = np.arctan(np.tan(np.radians(VIEW_ANGLE_DEG) / 2) * reach / FRAME_FILL)
            camera.view_angle = float(np.degrees(2 * half_angle))
        self.plotter.reset_camera_clipping_range()
        self.plotter.render()

    def _draw_part(self) -> None:
        if self._surface is None:
            return
        base = PART_COLOUR if self._printable else PROBLEM_PART_COLOUR
        style = {"smooth_shading": False, "ambient": 0.15, "diffuse": 0.8, "specular": 0.25, "specular_power": 25,
                 "reset_camera": False, "opacity": GHOST_OPACITY if self._ghost else 1.0}
        if self._marks is not None and self._marks.any():
            cell_marks = self._marks[self._surface.cell_data["facet"]]
            self.part_actor = self.plotter.add_mesh(
                self._surface, name=PART_ACTOR, scalars=cell_marks, preference="cell",
                cmap=[base, *MARK_COLOURS], clim=(-0.5, len(MARK_COLOURS) + 0.5), n_colors=len(MARK_COLOURS) + 1,
                show_scalar_bar=False, **style)
        else:
            self.part_actor = self.plotter.add_mesh(self._surface, name=PART_ACTOR, color=base, scalars=None,
                                                    **style)
        # The surface carries split normals already (computed off the UI thread); Phong uses them as they are.
        self.part_actor.prop.interpolation = "phong"

    def report_clicks_on_plane(self, z_mm: float | None) -> None:
        """Report each click (not a drag, which turns the camera) as `clicked_on_plane` at the point where it
        meets the plane Z = z_mm; None stops reporting."""
        self._clicks_plane_z = z_mm
        if z_mm is None:
            self.plotter.unsetCursor()
        else:
            self.plotter.setCursor(Qt.CursorShape.CrossCursor)

    def point_on_plane(self, x_px: float, y_px: float, z_mm: float) -> tuple[float, float] | None:
        """Where the line of sight through the view's pixel (x_px, y_px) (from its top left) meets the plane
        Z = z_mm, in mm; None when it runs parallel to the plane or meets it behind the camera."""
        renderer, ratio = self.plotter.renderer, self.plotter.devicePixelRatioF()
        display = (x_px * ratio, (self.plotter.height() - y_px - 1) * ratio)
        near, far = (_display_to_world(renderer, *display, depth) for depth in (0.0, 1.0))
        along = far[2] - near[2]
        if abs(along) < 1e-12:
            return None
        reach = (z_mm - near[2]) / along
        if reach < 0:
            return None
        x, y, _ = near + reach * (far - near)
        return float(x), float(y)

    def pixel_of(self, point: np.ndarray) -> tuple[float, float]:
        """The view's pixel (from its top left) that shows the point (x, y, z) in mm."""
        renderer, ratio = self.plotter.renderer, self.plotter.devicePixelRatioF()
        renderer.SetWorldPoint(*np.asarray(point, dtype=float), 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        return x / ratio, self.plotter.height() - 1 - y / ratio

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Watches the 3D view's own mouse events; VTK still gets every one (a drag turns the camera).
        if watched is self.plotter and self._clicks_plane_z is not None:
            kind = event.type()
            if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
                self._pressed_at = event.position()
            elif kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
                pressed, self._pressed_at = self._pressed_at, None
                released = event.position()
                if pressed is not None and (released - pressed).manhattanLength() <= CLICK_SLOP_PX:
                    point = self.point_on_plane(released.x(), released.y(), self._clicks_plane_z)
                    if point is not None:
                        self.clicked_on_plane.emit(*point)
        return super().eventFilter(watched, event)

    def _view_reach(self, point: np.ndarray) -> float:
        """How far from the view's centre `point` appears, as a fraction of the half-width or half-height."""
        renderer = self.plotter.renderer
        renderer.SetWorldPoint(*point, 1.0)
        renderer.WorldToView()
        view_x, view_y, _ = renderer.GetViewPoint()
        return max(abs(view_x), abs(view_y))

    def close_view(self) -> None:
        """Release the VTK render window; call once, before the window goes away."""
        self.plotter.close()


def _display_to_world(renderer: object, x: float, y: float, depth: float) -> np.ndarray:
    """The world point (mm) at display pixel (x, y) and depth 0 (the near plane) to 1 (the far plane)."""
    renderer.SetDisplayPoint(x, y, depth)
    renderer.DisplayToWorld()
    world = np.asarray(renderer.GetWorldPoint(), dtype=float)
    return world[:3] / world[3]


def _corners(bounds: np.ndarray) -> np.ndarray:
    """The 8 corners of an axis-aligned box given as (xmin, xmax, ymin, ymax, zmin, zmax)."""
    xs, ys, zs = bounds[0:2], bounds[2:4], bounds[4:6]
    return np.array([(x, y, z) for x in xs for y in ys for z in zs])


def _grid_lines(size_x: float, size_y: float, spacing: float, z: float) -> pv.PolyData:
    """Lines every `spacing` mm across a bed of `size_x` × `size_y` mm, at height `z`; edges included."""
    xs = np.arange(0.0, size_x + 1e-6, spacing)
    ys = np.arange(0.0, size_y + 1e-6, spacing)
    starts = np.vstack([np.column_stack([xs, np.zeros_like(xs)]), np.column_stack([np.zeros_like(ys), ys])])
    ends = np.vstack([np.column_stack([xs, np.full_like(xs, size_y)]),
                      np.column_stack([np.full_like(ys, size_x), ys])])
    count = len(starts)
    points = np.empty((2 * count, 3))
    points[0::2, :2] = starts
    points[1::2, :2] = ends
    points[:, 2] = z
    lines = np.column_stack([np.full(count, 2), np.arange(0, 2 * count, 2), np.arange(1, 2 * count, 2)])
    return pv.PolyData(points, lines=lines.ravel())
