// An included part with a syntax error on line 3.
module part() { cube(1); }
module other() { cube(2) }
