// A design with a syntax error on line 5.
size = 10; // [1:20]

cube(size);
sphere(r = size;
