// A bar as long as its text has characters: shows exactly what text reached OpenSCAD.
label = "abc";
cube([len(label), 1, 1]);
