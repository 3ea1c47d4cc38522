"""Test helpers for app.machines: a real OctoPrint, simulated firmware on pseudo-terminals, API stand-ins."""
