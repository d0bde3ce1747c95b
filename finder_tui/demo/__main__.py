"""``python -m finder_tui.demo``: run the demo server on its own."""

from __future__ import annotations

import argparse
import sys

from finder_tui.demo.cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m finder_tui.demo", description="A local syncFinder demo server."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
