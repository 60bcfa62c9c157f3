"""Benchmarks: each prints a small table of figures. Run them all with `make bench`."""
