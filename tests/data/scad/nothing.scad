// Makes nothing when `show` is false (the default).
show = false;
if (show) cube(10);
