"""Host side of the MLPerf Tiny / EEMBC DUT serial protocol: client, line parsing, transcript parsers."""
