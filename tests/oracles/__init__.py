"""Independent oracles: every outbound document of every partner profile, checked by validators nobody here wrote."""
