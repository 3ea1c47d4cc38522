// Parts of tagged_box.scad, brought in with include: its variables are not parameters of the box.
parts_version = 2; // [1:3]

// A box outline, its four vertical edges chamfered by `chamfer` mm.
module shell(w, d, h, chamfer) {
    linear_extrude(height = h)
        offset(delta = chamfer, chamfer = true) offset(delta = -chamfer)
            square([w, d]);
}

// A plate 1 mm thick standing in front of the y = 0 face, centred on x, with raised text.
module name_plate(text, size) {
    translate([-size * 1.5, -1, -size / 2]) cube([size * 3, 1, size]);
    translate([0, -1, 0]) rotate([90, 0, 0]) linear_extrude(height = 0.6)
        text(text, size = size * 0.5, halign = "center", valign = "center");
}
