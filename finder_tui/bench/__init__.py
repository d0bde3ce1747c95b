"""``python -m finder_tui.bench``: throughput, latency and memory figures against the demo server.

Not part of the test suite's assertions: the figures depend on the machine. The demo server runs
in its own process so its CPU stays out of the client's figures.
"""
