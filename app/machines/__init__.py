"""Sending programs to the user's own machines: one connector interface (`base`) over OctoPrint, Moonraker
(Klipper), PrusaLink and USB serial (Marlin, GRBL); the printers the user registered (`registry`); and the
send that never loses nor doubles a job (`send`)."""
