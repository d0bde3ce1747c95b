"""Realistic payloads of every message kind the inbox reads, shaped after the public callback
examples of WeChat automation vendors (GeWe, gewechaty, wkteam): the demo's showcase
conversation and the tests use the same ones."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

PEER = "v2_060000231003b20faec8c7e08e11c2d1cd03e432b077d8fd8a5d6a0e56d7e7b0f229@finder"
ME = "wxid_demo_me0001"
RECALLED_ID = 7290000000000000001

_QUOTED_LINK = (
    '<msg><appmsg appid="" sdkver="0"><title>周末直播安排</title><des>点击查看</des>'
    "<type>5</type><url>https://channels.weixin.qq.com/live/notice?id=1</url></appmsg></msg>"
)
_RECORD = (
    "<recordinfo><title>群聊的聊天记录</title><desc>Alice: 在吗\nBob: 在的</desc>"
    '<datalist count="3"><dataitem datatype="1" dataid="a1"><datadesc>在吗</datadesc></dataitem>'
    '<dataitem datatype="1" dataid="a2"><datadesc>在的</datadesc></dataitem>'
    '<dataitem datatype="2" dataid="a3"><datadesc>[图片]</datadesc></dataitem></datalist>'
    "<favusername>wxid_demo_me0001</favusername></recordinfo>"
)

# (name, MsgType, Content.string)
SAMPLES: list[tuple[str, int, str]] = [
    ("text", 1, "Thanks! 链接在这里：https://example.com/item?id=42&from=finder"),
    (
        "image",
        3,
        '<?xml version="1.0"?>\n<msg>\n\t<img aeskey="1f2e3d4c5b6a79880011223344556677" '
        'encryver="1" cdnthumbaeskey="1f2e3d4c5b6a79880011223344556677" '
        'cdnthumburl="3057020100044b30490201000204a1b2c3d4" cdnthumblength="4410" '
        'cdnthumbheight="120" cdnthumbwidth="90" length="113664" hdlength="0" '
        'md5="9e107d9d372bb6826bd81d3542a419d6" />\n</msg>\n',
    ),
    (
        "video",
        43,
        '<?xml version="1.0"?>\n<msg>\n\t<videomsg aeskey="a1b2" cdnvideourl="3057020100" '
        'cdnthumbaeskey="a1b2" cdnthumburl="3057020100" length="2411520" playlength="17" '
        'cdnthumblength="8821" cdnthumbwidth="224" cdnthumbheight="398" fromusername="'
        + PEER
        + '" md5="e4d909c290d0fb1ca068ffaddf22cbd0" newmd5="" isplaceholder="0" />\n</msg>\n',
    ),
    (
        "sticker",
        47,
        '<msg><emoji fromusername="' + PEER + '" tousername="' + ME + '" type="2" '
        'md5="4a8a08f09d37b73795649038408b5f33" len="24312" productid="" '
        'cdnurl="http://wxapp.tc.qq.com/262/20304/stodownload?m=4a8a08f0" '
        'width="240" height="240" /></msg>',
    ),
    (
        "voice",
        34,
        '<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" '
        'voicelength="4520" length="7317" bufid="0" aeskey="3b5ad7c0" '
        'voiceurl="3052020100044b3049" voicemd5="" clientmsgid="41373139" '
        'fromusername="' + PEER + '" /></msg>',
    ),
    (
        "card",
        42,
        '<?xml version="1.0"?>\n<msg bigheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/x/0" '
        'smallheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/x/132" username="wxid_k9x2m3n4p5q6" '
        'nickname="陈小姐 Chen" fullpy="chenxiaojie" shortpy="CXJ" alias="" imagestatus="3" '
        'scene="17" province="广东" city="深圳" sign="" sex="2" certflag="0" certinfo="" '
        'brandIconUrl="" brandHomeUrl="" brandSubscriptConfigUrl="" brandFlags="0" '
        'regionCode="CN_Guangdong_Shenzhen" biznamecardinfo="" />\n',
    ),
    (
        "location",
        48,
        '<?xml version="1.0"?>\n<msg>\n\t<location x="22.540503" y="113.934528" scale="16" '
        'label="广东省深圳市南山区深南大道10000号" maptype="roadmap" poiname="腾讯大厦" '
        'poiid="qqmap_10117453587937512345" buildingId="" floorName="" '
        'poiCategoryTips="公司企业:知名企业" poiBusinessHour="" poiPhone="" poiPriceTips="" '
        'isFromPoiList="true" adcode="440305" cityname="深圳市" />\n</msg>\n',
    ),
    (
        "friend_request",
        37,
        '<msg fromusername="wxid_b7c8d9e0f1" encryptusername="v3_020b3826fd03010000@stranger" '
        'fromnickname="Bob 王" content="我是视频号上的粉丝，想请教一下拍摄" fullpy="bobwang" '
        'shortpy="" imagestatus="3" scene="30" country="CN" province="Zhejiang" city="Hangzhou" '
        'sign="" percard="1" sex="1" alias="" weibo="" albumflag="0" albumstyle="0" '
        'albumbgimgid="" snsflag="273" snsbgimgid="" snsbgobjectid="0" mhash="" mfullhash="" '
        'bigheadimgurl="" smallheadimgurl="" ticket="v4_000b708f0b04000001@stranger" '
        'opcode="2" googlecontact="" qrticket="" chatroomusername="" sourceusername="" '
        'sourcenickname="" sharecardusername="" sharecardnickname="" cardversion="" '
        'extflag="0"><brandlist count="0" ver="0"></brandlist></msg>',
    ),
    ("notice", 10000, "你已添加了对方，现在可以开始聊天了。"),
    (
        "link",
        49,
        '<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n'
        "\t\t<title>一分钟学会手冲咖啡</title>\n\t\t<des>器具、水温和研磨度，一次讲清楚</des>\n"
        "\t\t<type>5</type>\n\t\t<url>https://mp.weixin.qq.com/s/Xy7_aBcDeFgHiJk</url>\n"
        "\t\t<thumburl>https://mmbiz.qpic.cn/mmbiz_jpg/x/0</thumburl>\n\t</appmsg>\n"
        "\t<fromusername>" + PEER + "</fromusername>\n\t<scene>0</scene>\n</msg>\n",
    ),
    (
        "file",
        49,
        '<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n'
        "\t\t<title>2026春季报价单.xlsx</title>\n\t\t<des></des>\n\t\t<type>6</type>\n"
        "\t\t<appattach>\n\t\t\t<totallen>1288490</totallen>\n"
        "\t\t\t<attachid>@cdn_3057020100_1_1</attachid>\n\t\t\t<fileext>xlsx</fileext>\n"
        "\t\t\t<cdnattachurl>3057020100</cdnattachurl>\n\t\t\t<aeskey>8a7b</aeskey>\n"
        "\t\t</appattach>\n\t\t<md5>d41d8cd98f00b204e9800998ecf8427e</md5>\n\t</appmsg>\n</msg>\n",
    ),
    (
        "file_uploading",
        49,
        '<msg><appmsg appid="" sdkver="0"><title>直播回放.mp4</title><type>74</type>'
        "<appattach><totallen>52428800</totallen><fileext>mp4</fileext><status>0</status>"
        "<uploadtoken>v1_abc</uploadtoken></appattach></appmsg></msg>",
    ),
    (
        "chat_record",
        49,
        '<msg><appmsg appid="" sdkver="0"><title>群聊的聊天记录</title>'
        "<des>Alice: 在吗\nBob: 在的</des><type>19</type>"
        "<url>https://support.weixin.qq.com/cgi-bin/mmsupport-bin/readtemplate?t=page/favorite_record__w_unsupport</url>"
        "<recorditem>" + escape(_RECORD) + "</recorditem></appmsg></msg>",
    ),
    (
        "mini_program",
        49,
        '<msg><appmsg appid="" sdkver="0"><title>这家店的招牌菜，一定要试试</title>'
        "<type>33</type><sourceusername>gh_870576f3c6f9@app</sourceusername>"
        "<sourcedisplayname>美团外卖</sourcedisplayname><weappinfo><username>"
        "gh_870576f3c6f9@app</username><appid>wx2c348cf579062e56</appid>"
        "<pagepath>pages/index/index.html</pagepath></weappinfo></appmsg></msg>",
    ),
    (
        "channels_post",
        49,
        '<msg><appmsg appid="" sdkver="0"><title>当前微信版本不支持展示该内容，请升级至最新版本。'
        "</title><type>51</type><url>https://support.weixin.qq.com/update/</url>"
        "<finderFeed><objectId>14012345678901234567</objectId><feedType>4</feedType>"
        "<nickname>咖啡研究所</nickname><avatar>https://wx.qlogo.cn/finderhead/x/0</avatar>"
        "<desc>三种手冲方法对比 #咖啡 #手冲</desc><mediaCount>1</mediaCount>"
        "<username>v2_0600000000@finder</username></finderFeed></appmsg></msg>",
    ),
    (
        "quote",
        49,
        '<msg><appmsg appid="" sdkver="0"><title>好的，我周六准时到</title><des></des>'
        "<type>57</type><refermsg><type>49</type><svrid>3512345678901234567</svrid>"
        "<fromusr>" + PEER + "</fromusr><chatusr>" + ME + "</chatusr>"
        "<displayname>咖啡研究所</displayname><content>" + escape(_QUOTED_LINK) + "</content>"
        "<msgsource>&lt;msgsource&gt;&lt;/msgsource&gt;</msgsource><createtime>1764600000"
        "</createtime></refermsg></appmsg></msg>",
    ),
    (
        "transfer",
        49,
        '<msg><appmsg appid="" sdkver=""><title><![CDATA[微信转账]]></title>'
        "<des><![CDATA[收到转账88.00元。如需收钱，请点此升级至最新版本]]></des><type>2000</type>"
        "<url>https://support.weixin.qq.com/cgi-bin/mmsupport-bin/readtemplate?t=page/common_page__upgrade</url>"
        "<wcpayinfo><paysubtype>3</paysubtype><feedesc><![CDATA[￥88.00]]></feedesc>"
        "<transcationid><![CDATA[53010001234]]></transcationid><transferid><![CDATA[1000050001]]>"
        "</transferid><invalidtime><![CDATA[1764686400]]></invalidtime><begintransfertime>"
        "<![CDATA[1764600000]]></begintransfertime><effectivedate><![CDATA[1]]></effectivedate>"
        "<pay_memo><![CDATA[定金]]></pay_memo></wcpayinfo></appmsg></msg>",
    ),
    (
        "red_packet",
        49,
        '<msg><appmsg appid="" sdkver=""><des><![CDATA[我给你发了一个红包，赶紧去拆!]]></des>'
        "<url>https://wxapp.tenpay.com/mmpayhb/wxhb_personalreceive</url><type>2001</type>"
        "<title><![CDATA[微信红包]]></title><wcpayinfo><templateid>7a2a165d31da7fce</templateid>"
        "<iconurl>http://wx.gtimg.com/hongbao/1800/hb.png</iconurl><sceneid>1002</sceneid>"
        "<senderdes><![CDATA[我给你发了一个红包，赶紧去拆!]]></senderdes><scenetext>"
        "<![CDATA[微信红包]]></scenetext><sendertitle><![CDATA[恭喜发财，大吉大利]]></sendertitle>"
        "<receivertitle><![CDATA[恭喜发财，大吉大利]]></receivertitle></wcpayinfo></appmsg></msg>",
    ),
    (
        "app_other",
        49,
        '<msg><appmsg appid="wx485a97c844086dc9" sdkver="0"><title>晴天 - 周杰伦</title>'
        "<des>叶惠美</des><type>3</type><url>https://y.qq.com/n/ryqq/songDetail/0039MnYb0qxYhV"
        "</url></appmsg></msg>",
    ),
    (
        "recall",
        10002,
        '<sysmsg type="revokemsg"><revokemsg><session>' + PEER + "</session>"
        "<msgid>1057000001</msgid><newmsgid>" + str(RECALLED_ID) + "</newmsgid>"
        '<replacemsg><![CDATA["咖啡研究所" 撤回了一条消息]]></replacemsg>'
        "<announcement_id><![CDATA[]]></announcement_id></revokemsg></sysmsg>",
    ),
    (
        "pat",
        10002,
        '<sysmsg type="pat"><pat><fromusername>' + PEER + "</fromusername>"
        "<chatusername>" + ME + "</chatusername><pattedusername>" + ME + "</pattedusername>"
        "<patsuffix><![CDATA[]]></patsuffix><patsuffixversion>0</patsuffixversion>"
        '<template><![CDATA["${' + PEER + '}" 拍了拍 "${' + ME + '}"]]></template></pat></sysmsg>',
    ),
    (
        "sysmsgtemplate",
        10002,
        "wxid_demo_room@chatroom:\n"
        '<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
        '<plain><![CDATA[]]></plain><template><![CDATA["$username$"邀请"$names$"加入了群聊]]>'
        '</template><link_list><link name="username" type="link_profile"><memberlist><member>'
        "<username><![CDATA[wxid_a1]]></username><nickname><![CDATA[Alice]]></nickname></member>"
        '</memberlist></link><link name="names" type="link_profile"><memberlist><member>'
        "<username><![CDATA[wxid_b2]]></username><nickname><![CDATA[Bob]]></nickname></member>"
        "<member><username><![CDATA[wxid_c3]]></username><nickname><![CDATA[Carol]]></nickname>"
        "</member></memberlist><separator><![CDATA[、]]></separator></link></link_list>"
        "</content_template></sysmsgtemplate></sysmsg>",
    ),
    (
        "announcement",
        10002,
        '<sysmsg type="mmchatroombarannouncememt"><mmchatroombarannouncememt>'
        "<content><![CDATA[本周六晚八点直播，记得预约]]></content><xmlcontent><![CDATA[]]></xmlcontent>"
        "<ispublish>1</ispublish></mmchatroombarannouncememt></sysmsg>",
    ),
    (
        "roomtoolstips",
        10002,
        '<sysmsg type="roomtoolstips"><todo><op>0</op><todoid><![CDATA[roomannouncement@app]]>'
        "</todoid><username><![CDATA[gh_fb9a9ba02b8c@app]]></username><path><![CDATA[]]></path>"
        "<time>1764600000</time><custominfo><![CDATA[]]></custominfo><title><![CDATA[群公告]]>"
        "</title><creator><![CDATA[Alice]]></creator><related_msgid><![CDATA[123]]>"
        "</related_msgid><manager><![CDATA[]]></manager><nreply>0</nreply><scene>"
        "<![CDATA[altertitle]]></scene><oper><![CDATA[]]></oper><sharekey><![CDATA[]]>"
        '</sharekey><sharename><![CDATA[]]></sharename><template><![CDATA["$username$"设置了'
        "群待办]]></template></todo></sysmsg>",
    ),
]


SHOWCASE_SESSION = "5h0wca5e0000000000000000000000000000000000000000000000000000kinds@findermsg"
SHOWCASE_PEER = "fv1_5h0wca5e00000000000000000000000000000000kinds@findermsgstranger"
_SHOWCASE_OWN = "v2_060000231003b20faec8c7e08e11c2d1cd03e432b077d8fd8a5d6a0e56d7e7b0demo@finder"


def showcase_items(existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One demo conversation holding every kind above (and a recalled message), after
    ``existing``'s last seq and ending at its latest time: the interactive demo shows it."""
    from .data import build_item

    msgs = [item["content"]["msg"] for item in existing if isinstance(item.get("content"), dict)]
    last_seq = max((int(item["content"].get("seq", 0)) for item in existing), default=0)
    end = max((int(m.get("CreateTime", 0)) for m in msgs), default=1_764_600_000)
    recalled = 7_290_000_000_000_000_000 + last_seq
    # the recall notice names the message it takes back: point it at ours
    samples = [
        (
            name,
            t,
            c.replace(str(RECALLED_ID), str(recalled))
            .replace(PEER, SHOWCASE_PEER)
            .replace(ME, _SHOWCASE_OWN),
        )
        for name, t, c in SAMPLES
    ]
    payloads = [("text", 1, "这条我发错了，马上撤回"), *samples]
    items = []
    for i, (_name, msg_type, content) in enumerate(payloads):
        items.append(
            build_item(
                seq=last_seq + 1 + i,
                create_time=end - (len(payloads) - i) * 90,
                new_msg_id=recalled + i,
                msg_type=msg_type,
                content=content,
                from_user=SHOWCASE_PEER,
                to_user=_SHOWCASE_OWN,
                is_sender=0,
                session_id=SHOWCASE_SESSION,
            )
        )
    return items
