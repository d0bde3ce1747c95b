"""Readable names for peer ids (Channels accounts, strangers, WeChat ids)."""

from __future__ import annotations

CHANNELS, STRANGER, WECHAT, OTHER = "Channels", "Stranger", "WeChat", "Other"


def peer_kind(peer: str) -> str:
    if peer.endswith("@findermsgstranger"):
        return STRANGER
    if peer.endswith("@finder"):
        return CHANNELS
    if peer.startswith("wxid_") or (peer and "@" not in peer):
        return WECHAT
    return OTHER


def short_id(peer: str, keep: int = 4) -> str:
    """``v2_060000231003b20f…@finder`` → ``v2_0600…f229``: prefix and tail stay readable."""
    base = peer.split("@", 1)[0]
    if len(base) <= 2 * keep + 4:
        return base
    prefix, _, rest = base.partition("_")
    head = f"{prefix}_{rest[:keep]}" if rest else base[:keep]
    return f"{head}…{base[-keep:]}"


def display_name(peer: str, alias: str = "", nickname: str = "") -> str:
    """Alias > nickname > a short id with its kind, e.g. ``v2_0600…f229 · Channels``."""
    if alias:
        return alias
    if nickname:
        return nickname
    if not peer:
        return "(unknown)"
    return f"{short_id(peer)} · {peer_kind(peer)}"


def identity_label(me: str) -> str:
    """Which of the account's identities a conversation uses: ``as WeChat`` / ``as Channels``."""
    if not me:
        return ""
    kind = peer_kind(me)
    return f"as {kind}" if kind in (WECHAT, CHANNELS) else f"as {short_id(me)}"
