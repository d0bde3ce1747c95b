"""Demo: shared Channels posts (``finderFeed``) of some streams, so the live view shows names.

The vendor's live notices never say whose stream it is; a user learns it when the account's
post (its live room) is shared into a conversation. This adds such shares, from Channels
peers of the demo inbox, for a few of the demo's streams, after the existing history.
"""

from __future__ import annotations

from .data import Item, _live_state, build_item, sessions_of

NAMES = ("小林的厨房", "阿杰说数码", "Lena 手作", "老王钓鱼", "山野咖啡")
_FEED_XML = (
    '<msg><appmsg appid="" sdkver="0"><title>当前微信版本不支持展示该内容，请升级至最新版本。</title>'
    "<type>51</type><url>https://support.weixin.qq.com/update/</url><finderFeed>"
    "<objectId>{oid}</objectId><feedType>9</feedType><nickname>{nick}</nickname>"
    "<username>{user}</username><avatar></avatar><desc>直播中，快来看看</desc>"
    "<liveId>{oid}</liveId></finderFeed></appmsg></msg>"
)


def with_feed_shares(items: list[Item], count: int = 3) -> list[Item]:
    """``items`` plus up to ``count`` shares naming streams still live (seq and time after)."""
    live_now, _ = _live_state(items)
    peers = [s for s in sessions_of(items) if s.peer.endswith("@finder")]
    if not live_now or not peers:
        return items
    seq = max(int(item["content"]["seq"]) for item in items)
    when = max(int(item["content"]["msg"]["CreateTime"]) for item in items)
    shares = []
    for n, (oid, session) in enumerate(zip(reversed(live_now), peers, strict=False)):
        if n >= count:
            break
        seq += 1
        shares.append(
            build_item(
                seq=seq,
                create_time=when,
                new_msg_id=7_100_000_000_000_000_000 + seq,
                msg_type=49,
                content=_FEED_XML.format(oid=oid, nick=NAMES[n % len(NAMES)], user=session.peer),
                from_user=session.peer,
                to_user=session.own,
                is_sender=0,
                session_id=session.session_id,
            )
        )
    return items + shares
