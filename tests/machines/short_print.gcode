; A short program for OctoPrint's virtual printer: heaters to just above room temperature so the waits
; are short, then six 100 mm moves at 100 mm/s (about 6 s of simulated printing).
M140 S25 ; set bed temperature
M104 S25 ; set nozzle temperature
G28 ; home all axes
M190 S25 ; wait for bed
M109 S25 ; wait for nozzle
G90
G1 X10 Y10 Z0.3 F6000
G1 X110 Y10 F6000
G1 X110 Y110 F6000
G1 X10 Y110 F6000
G1 X10 Y10 F6000
G1 X110 Y10 F6000
G1 X110 Y110 F6000
M104 S0 ; nozzle off
M140 S0 ; bed off
M84
