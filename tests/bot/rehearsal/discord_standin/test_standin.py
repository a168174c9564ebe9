"""End-to-end checks of the Discord stand-in with the real discord.py client over loopback."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.rehearsal.discord_standin import (
    Cursor,
    DiscordStandIn,
    RecordedRequest,
    connect_client,
    perms,
)
from tests.bot.rehearsal.discord_standin.moderation import inject_reaction, install_moderation
from tests.openapi_check import load_validator

KO = {
    "probe": "점검",
    "Probe the stand-in": "스탠드인 점검",
    "What to do": "할 일",
}


class KoreanTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return KO.get(string.message) if locale is discord.Locale.korean else None


class Feedback(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Comment", custom_id="comment"
    )
    contact: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Contact", custom_id="contact", required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"thanks: {self.comment.value} / {self.contact.value or '-'}", ephemeral=True
        )


class Buttons(discord.ui.View):
    @discord.ui.button(label="Press", custom_id="press")
    async def press(
        self, interaction: discord.Interaction, button: discord.ui.Button[Buttons]
    ) -> None:
        await interaction.response.edit_message(
            content=f"pressed by {interaction.user.name}", view=None
        )

    @discord.ui.button(label="Feedback", custom_id="open-feedback")
    async def feedback(
        self, interaction: discord.Interaction, button: discord.ui.Button[Buttons]
    ) -> None:
        await interaction.response.send_modal(Feedback())


Action = Literal["hello", "defer", "buttons", "modal", "who"]


class ProbeBot(commands.Bot):
    """One slash command, /probe, whose `action` option picks the behaviour under test."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.members = True
        intents.guild_messages = True
        intents.guild_scheduled_events = True
        intents.guild_reactions = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            guild_ready_timeout=0.05,
        )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # the default sleeps 5 s before every re-IDENTIFY

    async def setup_hook(self) -> None:
        await self.tree.set_translator(KoreanTranslator())

        @app_commands.command(
            name=app_commands.locale_str("probe"),
            description=app_commands.locale_str("Probe the stand-in"),
        )
        @app_commands.describe(action=app_commands.locale_str("What to do"))
        async def probe(
            interaction: discord.Interaction,
            action: Action,
            text: str = "",
            count: int = 1,
            member: discord.Member | None = None,
        ) -> None:
            await self.run_probe(interaction, action, text, count, member)

        @probe.autocomplete("text")
        async def complete_text(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            words = ["lecture", "talk concert", "networking", "results"]
            return [app_commands.Choice(name=w, value=w) for w in words if current in w]

        self.tree.add_command(probe)
        await self.tree.sync()

    async def run_probe(
        self,
        interaction: discord.Interaction,
        action: Action,
        text: str,
        count: int,
        member: discord.Member | None,
    ) -> None:
        none = discord.AllowedMentions.none()
        if action == "hello":
            greeting = "안녕하세요" if interaction.locale is discord.Locale.korean else "Hello"
            await interaction.response.send_message(
                f"{greeting} {text} x{count}", allowed_mentions=none
            )
        elif action == "defer":
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("deferred result", allowed_mentions=none)
            await interaction.followup.send(
                embed=discord.Embed(title="Second", description="follow-up"), allowed_mentions=none
            )
            await interaction.edit_original_response(
                content="edited original", allowed_mentions=none
            )
        elif action == "buttons":
            await interaction.response.send_message("choose", view=Buttons(), allowed_mentions=none)
        elif action == "modal":
            await interaction.response.send_modal(Feedback())
        elif action == "who":
            name = member.display_name if member else "nobody"
            await interaction.response.send_message(f"who: {name}", ephemeral=True)


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as server:
        yield server
    assert server.internal_errors == []
    assert server.unknown_requests() == []
    validator = load_validator()
    if validator is not None:
        # Requests answered 400 were malformed on purpose by the test; check only the answer.
        problems = [
            problem
            for request in server.requests
            for problem in validator.validate(request, check_request=request.status != 400)
        ]
        assert not problems, "\n".join(problems)


@pytest.fixture
async def bot(standin: DiscordStandIn) -> AsyncIterator[ProbeBot]:
    client = ProbeBot()
    async with connect_client(standin, client):
        yield client


def _guild(bot: ProbeBot, standin: DiscordStandIn) -> discord.Guild:
    guild = bot.get_guild(standin.guild_id)
    assert guild is not None
    return guild


def _text_channel(bot: ProbeBot, standin: DiscordStandIn, name: str) -> discord.TextChannel:
    channel = bot.get_channel(standin.channels[name])
    assert isinstance(channel, discord.TextChannel)
    return channel


# ----------------------------------------------------------------------------- startup


async def test_ready_caches_guilds_channels_roles_and_permissions(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    guild = _guild(bot, standin)
    assert bot.user is not None
    assert bot.user.id == standin.bot_user_id
    assert bot.application_id == standin.application_id
    assert {c.name for c in guild.text_channels} == {"announce", "qna", "general", "audit"}
    assert {r.name for r in guild.roles} >= {"@everyone", "moderator", "reminder", "bot"}
    assert guild.default_role.id == standin.roles["everyone"] == standin.guild_id
    assert guild.me.guild_permissions.manage_events
    assert guild.owner_id == standin.users["owner"].id
    assert guild.member_count == 5
    assert guild.chunked  # members intent: the stand-in answered the op 8 member request
    assert bot.get_guild(standin.other_guild_id) is not None
    audit = _text_channel(bot, standin, "audit")
    assert not audit.permissions_for(guild.default_role).view_channel
    assert audit.permissions_for(guild.me).send_messages
    assert standin.identify_count == 1
    assert standin.gateway_events_received[0].op == 1  # discord.py heartbeats right after HELLO


async def test_wrong_token_is_refused(standin: DiscordStandIn) -> None:
    client = ProbeBot()
    with standin.patch_discord():
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
        await client.close()


# -------------------------------------------------------------------- slash commands


async def test_command_sync_echoes_localised_commands(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    assert standin.command_sync_count == 1
    (command,) = standin.commands
    assert command["name"] == "probe"
    assert command["name_localizations"] == {"ko": "점검"}
    assert command["description_localizations"] == {"ko": "스탠드인 점검"}
    options = {o["name"]: o for o in command["options"]}
    assert options["action"]["type"] == 3
    assert options["action"]["description_localizations"]
    assert options["count"]["type"] == 4
    assert options["member"]["type"] == 6


async def test_slash_command_answers_in_the_users_locale(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    korean = await standin.slash(
        name="probe", options={"action": "hello", "text": "판교", "count": 2}, locale="ko"
    )
    english = await standin.slash(
        name="probe", options={"action": "hello", "text": "Pangyo"}, locale="en-US"
    )
    assert (await korean.response())["type"] == 4
    assert korean.content_text() == "안녕하세요 판교 x2"
    assert (await english.response())["data"]["content"] == "Hello Pangyo x1"
    assert korean.original is not None
    assert korean.original["type"] == 20
    assert korean.payload["data"]["options"][2] == {"name": "count", "type": 4, "value": 2}
    assert not korean.ephemeral
    posted = standin.messages("general")
    assert [m["content"] for m in posted] == ["안녕하세요 판교 x2", "Hello Pangyo x1"]


async def test_user_option_is_resolved(bot: ProbeBot, standin: DiscordStandIn) -> None:
    handle = await standin.slash(name="probe", options={"action": "who", "member": "moderator"})
    await handle.response()
    assert handle.ephemeral
    assert handle.content_text() == "who: Mod"


async def test_defer_then_followups_and_original_edit(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    handle = await standin.slash(name="probe", options={"action": "defer"})
    assert (await handle.response())["type"] == 5
    first = await handle.wait_followup()
    second = await handle.wait_followup()
    # The first follow-up after a defer replaces the "thinking" message, as on Discord.
    assert first["id"] == str(handle.payload and handle.original and handle.original["id"])
    assert second["embeds"][0]["title"] == "Second"
    original = await handle.wait_original(lambda m: m["content"] == "edited original")
    assert not original["flags"] & 128
    assert "Second\nfollow-up" in handle.content_text(include_followups=True)


async def test_deferred_reply_counts_as_posted_when_content_arrives(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    cursor = standin.cursor()
    await standin.slash(name="probe", options={"action": "defer"})
    posted = await standin.wait_for_message("general", after=cursor)
    assert posted["content"] == "deferred result"


async def test_autocomplete_returns_choices(bot: ProbeBot, standin: DiscordStandIn) -> None:
    handle = await standin.autocomplete(
        name="probe", options={"action": "hello", "text": "con"}, focused="text"
    )
    response = await handle.response()
    assert response["type"] == 8
    assert handle.choices == [{"name": "talk concert", "value": "talk concert"}]


async def test_interaction_deadline_expires_the_token(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    standin.interactions.deadline = 0.0
    await standin.slash(name="probe", options={"action": "hello"})
    request = await standin.wait_for_request(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    assert request.status == 404
    assert request.response["code"] == 10062


# ------------------------------------------------------------------ components, modals


async def test_button_click_updates_the_message(bot: ProbeBot, standin: DiscordStandIn) -> None:
    handle = await standin.slash(name="probe", options={"action": "buttons"})
    await handle.response()
    message = await handle.wait_original()
    click = await standin.click("member2", message, "press")
    assert (await click.response())["type"] == 7
    updated = standin.message(message["id"])
    assert updated is not None
    assert updated["content"] == "pressed by member2"
    assert updated["components"] == []
    with pytest.raises(ValueError, match="no component"):
        await standin.click("member", updated, "press")


async def test_modal_submit_reaches_the_modal(bot: ProbeBot, standin: DiscordStandIn) -> None:
    opener = await standin.slash(name="probe", options={"action": "modal"})
    modal = (await opener.response())["data"]
    assert modal["custom_id"]
    assert opener.modal == modal
    submit = await standin.submit_modal("member", modal["custom_id"], {"comment": "좋아요"})
    await submit.response()
    assert submit.ephemeral
    assert submit.content_text() == "thanks: 좋아요 / -"
    with pytest.raises(ValueError, match="required"):
        await standin.submit_modal("member", modal["custom_id"], {"contact": "x"})


async def test_modal_opened_from_a_button(bot: ProbeBot, standin: DiscordStandIn) -> None:
    handle = await standin.slash(name="probe", options={"action": "buttons"})
    message = await handle.wait_original()
    click = await standin.click("member", message, "open-feedback")
    modal = (await click.response())["data"]
    submit = await standin.submit_modal(
        "member", modal["custom_id"], {"comment": "hi", "contact": "me"}
    )
    await submit.response()
    assert submit.payload["message"]["id"] == message["id"]
    assert submit.content_text() == "thanks: hi / me"


# ---------------------------------------------------------------------------- messages


async def test_send_records_allowed_mentions_and_pings(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    channel = _text_channel(bot, standin, "general")
    member = standin.users["member"]
    content = f"{member.mention} <@&{standin.roles['reminder']}> @everyone"
    sent = await channel.send(
        content, allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True)
    )
    stored = standin.message(sent.id)
    assert stored is not None
    assert [u["id"] for u in stored["mentions"]] == [str(member.id)]
    assert stored["mention_roles"] == []
    assert stored["mention_everyone"] is False
    assert standin.allowed_mentions_for(sent.id) == {"parse": ["users"], "replied_user": True}
    request = await standin.wait_for_request(
        "POST", "/channels/{channel_id}/messages", after=Cursor()
    )
    assert request.json["allowed_mentions"] == {"parse": ["users"], "replied_user": True}


async def test_multipart_upload_becomes_an_attachment(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    channel = _text_channel(bot, standin, "general")
    sent = await channel.send(
        "report", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "numbers.csv"),
        allowed_mentions=discord.AllowedMentions.none(),
    )  # fmt: skip
    assert sent.attachments[0].filename == "numbers.csv"
    assert sent.attachments[0].size == 8
    request = next(r for r in standin.requests if r.is_multipart)
    assert request.json["content"] == "report"
    assert [(f.filename, f.data) for f in request.files] == [("numbers.csv", b"a,b\n1,2\n")]
    async with aiohttp.ClientSession() as session, session.get(sent.attachments[0].url) as response:
        assert await response.read() == b"a,b\n1,2\n"


async def test_edit_delete_and_history(bot: ProbeBot, standin: DiscordStandIn) -> None:
    channel = _text_channel(bot, standin, "qna")
    none = discord.AllowedMentions.none()
    first = await channel.send("one", allowed_mentions=none)
    second = await channel.send("two", allowed_mentions=none)
    cursor = standin.cursor()
    await first.edit(content="one (edited)")
    edited = await standin.wait_for_edit(first.id, after=cursor)
    assert edited["content"] == "one (edited)"
    assert edited["edited_timestamp"]
    await second.delete()
    assert [m["content"] for m in standin.messages("qna")] == ["one (edited)"]
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["one (edited)"]


async def test_message_limits_are_enforced(bot: ProbeBot, standin: DiscordStandIn) -> None:
    channel = _text_channel(bot, standin, "general")
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.status == 400
    assert too_long.value.code == 50035
    with pytest.raises(discord.HTTPException) as too_big:
        await channel.send(embed=discord.Embed(title="t", description="d" * 4097))
    assert too_big.value.code == 50035
    assert "embeds.0.description" in str(too_big.value)


async def test_injected_message_reaches_the_bot_without_content(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    plain = await _inject_and_receive(bot, standin, "hello everyone")
    mentioning = await _inject_and_receive(bot, standin, f"<@{standin.bot_user_id}> hi")
    assert plain.content == ""  # no message-content intent
    assert mentioning.content.endswith("hi")  # mentions of the bot keep their text


async def _inject_and_receive(bot: ProbeBot, standin: DiscordStandIn, text: str) -> discord.Message:
    waiter = bot.loop.create_task(bot.wait_for("message", timeout=5))
    await standin.gateway_barrier()  # the waiter is registered before the event arrives
    standin.inject_message("general", author="member", content=text)
    message: discord.Message = await waiter
    return message


# --------------------------------------------------------------------------- gateway


async def test_gateway_drop_resumes_and_replays(bot: ProbeBot, standin: DiscordStandIn) -> None:
    await standin.drop_gateway(4000)
    assert not standin.connected
    handle = await standin.slash(
        name="probe", options={"action": "hello"}
    )  # queued while disconnected
    assert (await handle.response())["type"] == 4
    assert standin.identify_count == 1
    assert standin.resume_count == 1
    resume = await standin.wait_for_gateway_event(6, after=Cursor())
    assert resume.data["session_id"] == "standin-session-1"


async def test_reconnect_opcode_resumes(bot: ProbeBot, standin: DiscordStandIn) -> None:
    cursor = standin.cursor()
    await standin.send_reconnect()
    await standin.wait_for_gateway_event(6, after=cursor)
    handle = await standin.slash(name="probe", options={"action": "hello"})
    await handle.response()
    assert standin.identify_count == 1
    assert standin.resume_count == 1


async def test_invalid_session_makes_the_bot_identify_again(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    cursor = standin.cursor()
    await standin.invalidate_session(resumable=False)
    await standin.wait_for_gateway_event(2, after=cursor)
    handle = await standin.slash(name="probe", options={"action": "hello"})
    await handle.response()
    assert standin.identify_count == 2
    assert standin.resume_count == 0


async def test_gateway_frames_are_zlib_stream_compressed(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    identify = next(f for f in standin.gateway_events_received if f.op == 2)
    assert identify.data["intents"] == bot.intents.value
    ready = next(f for f in standin.gateway_events_sent if f.event == "READY")
    assert ready.seq == 1
    assert ready.data["resume_gateway_url"] == standin.gateway_url
    assert bot.ws is not None
    assert bot.ws.sequence is not None
    assert bot.ws.sequence >= 3


async def test_presence_updates_are_recorded(bot: ProbeBot, standin: DiscordStandIn) -> None:
    cursor = standin.cursor()
    await bot.change_presence(activity=discord.Game("CCEI live"))
    frame = await standin.wait_for_gateway_event(3, after=cursor)
    assert frame.data["activities"][0]["name"] == "CCEI live"


async def test_transcript_listener_sees_posts(bot: ProbeBot, standin: DiscordStandIn) -> None:
    lines: list[str] = []
    unsubscribe = standin.subscribe(lambda event: lines.append(standin.describe(event.message)))
    handle = await standin.slash(name="probe", options={"action": "buttons"})
    await handle.wait_original()
    unsubscribe()
    assert lines == ["#general CCEI Companion: choose [Press | Feedback]"]


# ----------------------------------------------------------------------------- faults


async def test_rate_limit_is_waited_out(bot: ProbeBot, standin: DiscordStandIn) -> None:
    standin.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.2)
    started = time.monotonic()
    await _text_channel(bot, standin, "general").send("after limit")
    statuses = [r for r in standin.requests if r.route == "/channels/{channel_id}/messages"]
    assert [r.status for r in statuses] == [429, 200]
    assert statuses[1].timestamp - statuses[0].timestamp >= 0.2
    assert time.monotonic() - started < 2


async def test_server_errors(bot: ProbeBot, standin: DiscordStandIn) -> None:
    channel = _text_channel(bot, standin, "general")
    standin.fail_next("POST", "/channels/{channel_id}/messages", 500)
    await channel.send("retried")  # discord.py sleeps 1 s, then retries
    standin.fail_next("POST", "/channels/{channel_id}/messages", 503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("not retried")
    assert [m["content"] for m in standin.messages("general")] == ["retried"]


async def test_missing_permission_is_forbidden(bot: ProbeBot, standin: DiscordStandIn) -> None:
    standin.deny_bot_permission("qna", "send_messages")
    with pytest.raises(discord.Forbidden) as denied:
        await _text_channel(bot, standin, "qna").send("blocked")
    assert denied.value.code == 50013
    await standin.gateway_barrier()  # CHANNEL_UPDATE has been applied by now
    qna = _text_channel(bot, standin, "qna")
    assert not qna.permissions_for(_guild(bot, standin).me).send_messages


async def test_closed_dms_are_forbidden(bot: ProbeBot, standin: DiscordStandIn) -> None:
    member = await bot.fetch_user(standin.users["member"].id)
    await member.send("welcome")
    assert standin.messages(standin.dm_channel_id("member") or 0)[0]["content"] == "welcome"
    standin.close_dms("member")
    with pytest.raises(discord.Forbidden) as closed:
        await member.send("again")
    assert closed.value.code == 50007


async def test_deleted_channel(bot: ProbeBot, standin: DiscordStandIn) -> None:
    channel = _text_channel(bot, standin, "qna")
    standin.delete_channel("qna")
    await standin.gateway_barrier()
    assert bot.get_channel(channel.id) is None
    with pytest.raises(discord.NotFound):
        await channel.send("gone")


# ------------------------------------------------------------- events, roles, members


async def test_scheduled_event_create_edit_start(bot: ProbeBot, standin: DiscordStandIn) -> None:
    guild = _guild(bot, standin)
    start = datetime.now(UTC) + timedelta(hours=1)
    event = await guild.create_scheduled_event(
        name="2022 CCEI 공동 오픈이노베이션",
        start_time=start,
        end_time=start + timedelta(hours=3, minutes=30),
        entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only,
        location="판교 창업존 기업지원허브 6층",
    )
    await standin.gateway_barrier()
    assert guild.get_scheduled_event(event.id) is not None
    edited = await event.edit(description="강연, 토크콘서트, 성과공유회, 네트워킹")
    started = await edited.start()
    assert started.status is discord.EventStatus.active
    (stored,) = standin.scheduled_events()
    assert stored["status"] == 2
    assert stored["entity_metadata"]["location"].startswith("판교")
    with pytest.raises(discord.HTTPException) as bad:  # ACTIVE -> CANCELED is not allowed
        await bot.http.edit_scheduled_event(guild.id, event.id, status=4)
    assert bad.value.code == 50035


async def test_scheduled_event_needs_permission(bot: ProbeBot, standin: DiscordStandIn) -> None:
    standin.set_bot_guild_permissions(perms("view_channel", "send_messages"))
    start = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(discord.Forbidden):
        await _guild(bot, standin).create_scheduled_event(
            name="x", start_time=start, end_time=start + timedelta(hours=1),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only, location="online",
        )  # fmt: skip
    await standin.gateway_barrier()
    assert not _guild(bot, standin).me.guild_permissions.manage_events


async def test_role_add_and_remove(bot: ProbeBot, standin: DiscordStandIn) -> None:
    guild = _guild(bot, standin)
    member = guild.get_member(standin.users["member"].id)
    reminder = guild.get_role(standin.roles["reminder"])
    assert member is not None
    assert reminder is not None
    await member.add_roles(reminder)
    assert standin.member_roles("member") == [reminder.id]
    await standin.gateway_barrier()
    assert reminder in member.roles
    await member.remove_roles(reminder)
    await standin.gateway_barrier()
    assert standin.member_roles("member") == []
    assert reminder not in member.roles
    bot_role = guild.get_role(standin.roles["bot"])
    assert bot_role is not None
    with pytest.raises(discord.Forbidden):
        await member.add_roles(bot_role)


async def test_moderation_routes(bot: ProbeBot, standin: DiscordStandIn) -> None:
    moderation = install_moderation(standin)
    channel = _text_channel(bot, standin, "qna")
    none = discord.AllowedMentions.none()
    question = await channel.send("question", allowed_mentions=none)
    async with channel.typing():
        pass
    await question.add_reaction("👍")
    await question.pin()
    stored = standin.message(question.id)
    assert stored is not None
    assert stored["pinned"] is True
    assert stored["reactions"][0]["emoji"]["name"] == "👍"
    assert stored["reactions"][0]["me"] is True
    waiter = bot.loop.create_task(bot.wait_for("raw_reaction_add", timeout=5))
    await standin.gateway_barrier()
    inject_reaction(standin, moderation, "member", question.id, "👍")
    reaction: discord.RawReactionActionEvent = await waiter
    assert reaction.user_id == standin.users["member"].id
    assert standin.message(question.id)["reactions"][0]["count"] == 2  # type: ignore[index]
    others = [await channel.send(f"spam {n}", allowed_mentions=none) for n in range(2)]
    await channel.delete_messages(others)
    assert [m["content"] for m in standin.messages("qna")] == ["question"]


async def test_timeout_and_kick_follow_the_hierarchy(
    bot: ProbeBot, standin: DiscordStandIn
) -> None:
    install_moderation(standin)
    guild = _guild(bot, standin)
    member = guild.get_member(standin.users["member"].id)
    owner = guild.get_member(standin.users["owner"].id)
    assert member is not None
    assert owner is not None
    await member.timeout(timedelta(minutes=10), reason="flood")
    await standin.gateway_barrier()
    assert member.is_timed_out()
    with pytest.raises(discord.Forbidden):
        await owner.timeout(timedelta(minutes=10))
    await member.kick()
    await standin.gateway_barrier()
    assert guild.get_member(member.id) is None


# ---------------------------------------------------------------------------- openapi


def test_validator_flags_malformed_requests() -> None:
    validator = load_validator()
    if validator is None:
        pytest.skip("Discord OpenAPI spec not available")
    bad = RecordedRequest(
        index=0,
        method="POST",
        path="/channels/123/messages",
        route="/channels/{channel_id}/messages",
        query={},
        headers={"Authorization": "Bot standin-token"},
        json={"content": 5, "embeds": "nope"},
        files=[],
        content_type="application/json",
        timestamp=0.0,
        status=200,
        response={"id": "1"},
    )
    problems = validator.validate(bad)
    assert any("request" in p for p in problems)
    assert any("response" in p for p in problems)
    unknown = RecordedRequest(
        index=1, method="GET", path="/nope", route="<unknown>", query={}, headers={}, json=None,
        files=[], content_type=None, timestamp=0.0, status=404,
    )  # fmt: skip
    assert validator.validate(unknown)
