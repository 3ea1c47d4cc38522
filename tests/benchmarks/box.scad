// The storage box with lid of localfab's built-in `box` template, written for OpenSCAD, to compare
// render times with the same geometry. Sizes in millimetres.
width = 80; // [20:0.5:250]
depth = 60; // [20:0.5:250]
height = 40; // [10:0.5:200]
wall = 2; // [0.8:0.1:6]
corner_radius = 5; // [0:0.5:40]
lid_clearance = 0.25; // [0:0.05:1]

/* [Hidden] */
lid_gap = 8;
$fa = 360 / 42; // about the angular tolerance the CadQuery build meshes with
$fs = 0.2;

module rounded_block(w, d, h, r) {
    if (r > 0.01)
        linear_extrude(h) offset(r) square([w - 2 * r, d - 2 * r], center = true);
    else
        linear_extrude(h) square([w, d], center = true);
}

module rounded_ring(w, d, h, r, t) {
    difference() {
        rounded_block(w, d, h, r);
        translate([0, 0, -1]) rounded_block(w - 2 * t, d - 2 * t, h + 2, max(r - t, 0));
    }
}

difference() {
    rounded_block(width, depth, height, corner_radius);
    translate([0, 0, wall]) rounded_block(width - 2 * wall, depth - 2 * wall, height, max(corner_radius - wall, 0));
}
translate([width + lid_gap, 0, 0]) {
    rounded_block(width, depth, wall, corner_radius);
    translate([0, 0, wall - 0.01])
        rounded_ring(width - 2 * wall - 2 * lid_clearance, depth - 2 * wall - 2 * lid_clearance,
                     min(6, height - 2 * wall) + 0.01, max(corner_radius - wall - lid_clearance, 0), wall);
}
