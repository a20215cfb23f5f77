"""Building firmware images for a board and workload, and putting them on the board (flash or launch)."""
