"""Benchmarks of Sanshe (`make bench`); see bench/run.py and bench/core.py."""
