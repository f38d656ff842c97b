"""Benchmarks that print figures (not timed tests): run each module as a script, see its docstring."""
