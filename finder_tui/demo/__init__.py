"""A local syncFinder server with realistic, reproducible data and injectable faults.

Headless by design: nothing under ``finder_tui.demo`` may import textual.
"""

from finder_tui.demo.data import LiveFeed, default_demo_items, generate_items, seed_items
from finder_tui.demo.faults import FaultSpec
from finder_tui.demo.server import DemoServer

__all__ = [
    "DemoServer",
    "FaultSpec",
    "LiveFeed",
    "default_demo_items",
    "generate_items",
    "seed_items",
]
