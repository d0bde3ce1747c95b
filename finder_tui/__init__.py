"""finder-tui: a terminal inbox for WeChat Channels (视频号) private messages."""

__version__ = "0.1.0"
