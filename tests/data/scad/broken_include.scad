// The error is in the file it includes, on line 3 there.
include <broken_part.scad>
cube(5);
