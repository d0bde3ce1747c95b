"""Kind names and the result type every payload reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEXT, IMAGE, VIDEO, EMOJI = "text", "image", "video", "emoji"
VOICE, CARD, LOCATION, FRIEND_REQUEST = "voice", "card", "location", "friend_request"
# type 49 (appmsg) by its inner type
LINK, FILE, CHAT_RECORD, MINI_PROGRAM = "link", "file", "chat_record", "mini_program"
CHANNELS_POST, QUOTE, TRANSFER, RED_PACKET = "channels_post", "quote", "transfer", "red_packet"
APP = "app"  # an appmsg type this version has no reader for: its title and type number
APPMSG = "appmsg"  # what versions before the per-type readers stored for every type 49
LIVE_STARTED, LIVE_ENDED, SYSMSG, UNKNOWN, BROKEN = (
    "live_started",
    "live_ended",
    "sysmsg",
    "unknown",
    "broken",
)
SYSTEM_KINDS = frozenset({LIVE_STARTED, LIVE_ENDED, SYSMSG})

MSG_TEXT, MSG_IMAGE, MSG_VOICE, MSG_FRIEND_REQUEST, MSG_CARD = 1, 3, 34, 37, 42
MSG_VIDEO, MSG_EMOJI, MSG_LOCATION, MSG_APPMSG, MSG_SYS = 43, 47, 48, 49, 10002
MSG_NOTICE = 10000  # a plain-text notice from WeChat inside a chat


@dataclass(frozen=True, slots=True)
class ParsedContent:
    kind: str
    text: str  # scrubbed, what a user reads
    meta: dict[str, Any] = field(default_factory=dict)
