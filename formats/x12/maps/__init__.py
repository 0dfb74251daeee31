"""X12 implementation maps (pyx12 map XML format) and the files pyx12 needs beside them."""
