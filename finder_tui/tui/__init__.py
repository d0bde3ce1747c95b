"""The Textual layer. Everything below ``finder_tui`` except this package stays headless."""
