"""Developer tools that regenerate the maps in ``formats/x12/maps`` (not used at run time)."""
