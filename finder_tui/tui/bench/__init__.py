"""The benchmarks that drive the Textual app (the headless ones live in ``finder_tui.bench``)."""
