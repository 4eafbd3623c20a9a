"""Benchmarks: `invoke bench` measures build, refresh, comment data and server load."""
