"""Scripts that regenerate the code-list data files of :mod:`formats.codes` (run by hand, not imported)."""
