"""Power monitors: one interface, drivers (LPM01A, Joulescope, PPK2, simulated LPM01A), energy math, trace importers."""
