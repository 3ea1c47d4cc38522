// SPDX-License-Identifier: CC0-1.0
// Tagged box: a small open box with a name plate on its front.
// Written for the localfab OpenSCAD tests; it exercises tabs, labelled dropdowns,
// a hidden section, a global section and an include.
// Author: localfab contributors
// Version: 1.2

include <tagged_box_parts.scad>

/* [Size] */
// Outside width of the box
width = 30; // [10:80]
// Outside depth of the box
depth = 20; // [10:0.5:60]
// Wall thickness
wall = 2; // [1.2, 1.6, 2, 3]
// Corner style
corners = "square"; // [square:Square, chamfer:Chamfered 45°]

/* [Label] */
// Text on the plate
label = "BOX"; // 8
// Plate height
plate = 10; // [8:Small, 10:Medium, 14:Large]
// Put a plate on the front
with_plate = true;
// Where the plate sits: OpenSCAD shows a vector, localfab keeps it as written
plate_offset = [0, 0];

/* [Hidden] */
eps = 0.01;
lid = false;

/* [Global] */
// Height of the box
height = 15; // [5:40]

/* [Advanced] */
// Lift of the floor, may be negative
floor_lift = -0.5;
first = 1; second = 2; // [0:10]
inner_width = width - 2 * wall;

tagged_box();

module tagged_box() {
    difference() {
        shell(width, depth, height, corners == "chamfer" ? 3 : 0);
        translate([wall, wall, wall + floor_lift + 0.5])
            cube([inner_width, depth - 2 * wall, height]);
    }
    if (with_plate)
        translate([width / 2 + plate_offset[0], 0, height / 2 + plate_offset[1]])
            name_plate(label, plate);
}

late = 5; // [0:10]
