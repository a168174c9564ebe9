"""Drafts: stored and read back unchanged, marked where history shows it, found only there."""

from __future__ import annotations

import discord

from bot.mentions import NO_MENTIONS, only_role
from bot.outbox import Attachment, Draft
from bot.outbox._draft import CONTENT_LIMIT, FOOTER_LIMIT, carries_marker, mentions_from_dict


def test_a_draft_survives_storage() -> None:
    embed = discord.Embed(title="강연", description="곧 시작", colour=0x3366FF)
    embed.add_field(name="시간", value="13:00")
    embed.set_footer(text="CCEI")
    draft = Draft.of(
        "<@&42> 지금 시작!",
        mentions=only_role(42),
        embeds=[embed],
        files=[Attachment("viewers.png", b"\x89PNG\x00\xff")],
    )
    again = Draft.from_json(draft.to_json())
    assert again.content == draft.content
    assert [e.to_dict() for e in again.embeds] == [embed.to_dict()]
    assert again.files == draft.files
    assert again.mentions.to_dict() == only_role(42).to_dict()


def test_mentions_round_trip() -> None:
    for mentions in (
        NO_MENTIONS,
        only_role(7),
        discord.AllowedMentions.all(),
        discord.AllowedMentions(users=[discord.Object(id=5)], roles=False, everyone=False),
    ):
        assert mentions_from_dict(mentions.to_dict()).to_dict() == mentions.to_dict()


def test_a_plain_message_gets_a_subtext_line() -> None:
    marked = Draft.of("Break is over", mentions=NO_MENTIONS).marked("k4q7xm")
    assert marked.content == "Break is over\n-# k4q7xm"
    assert carries_marker(marked.content, [], "k4q7xm")
    long = Draft.of("x" * CONTENT_LIMIT, mentions=NO_MENTIONS).marked("k4q7xm")
    assert len(long.content) <= CONTENT_LIMIT
    assert carries_marker(long.content, [], "k4q7xm")


def test_an_embed_message_gets_the_marker_in_its_last_footer() -> None:
    first, last = discord.Embed(title="a"), discord.Embed(title="b")
    last.set_footer(text="2022 CCEI", icon_url="https://example.com/i.png")
    draft = Draft.of("hello", mentions=NO_MENTIONS, embeds=[first, last])
    marked = draft.marked("k4q7xm")
    assert marked.content == "hello"
    assert marked.embeds[0].footer.text is None
    assert marked.embeds[1].footer.text == "2022 CCEI · k4q7xm"
    assert marked.embeds[1].footer.icon_url == "https://example.com/i.png"
    assert last.footer.text == "2022 CCEI"  # the draft's own embed is untouched
    assert carries_marker("hello", ["", "2022 CCEI · k4q7xm"], "k4q7xm")
    bare = Draft.of(embeds=[discord.Embed(title="t")], mentions=NO_MENTIONS).marked("k4q7xm")
    assert bare.embeds[0].footer.text == "k4q7xm"
    huge = discord.Embed(title="t").set_footer(text="f" * FOOTER_LIMIT)
    clipped = Draft.of(embeds=[huge], mentions=NO_MENTIONS).marked("k4q7xm")
    assert len(clipped.embeds[0].footer.text or "") <= FOOTER_LIMIT


def test_a_marker_only_counts_where_the_outbox_puts_it() -> None:
    assert not carries_marker("someone wrote -# k4q7xm in the middle\nand more", [], "k4q7xm")
    assert not carries_marker("hello\n-# k4q7xmz", [], "k4q7xm")
    assert not carries_marker("", ["k4q7xm is a code · other"], "k4q7xm")
    assert not carries_marker("", ["xk4q7xm"], "k4q7xm")
    assert not carries_marker("hello\n-# ", [], "")
