"""The moderator console end to end: permission checks on every subcommand, setup, announce, audit."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, message_text
from bot.rehearsal.run import StandInBot, standin_settings
from bot.settings import SecretStr
from tests.conftest import Launcher, admin

SAMPLE_VALUES = {3: "hello", 4: 5, 5: False, 7: "announce", 8: "reminder", 10: 1.0}


def admin_subcommands(standin: DiscordStandIn) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(group, subcommand, required options) for every synced /admin subcommand, at any depth."""
    admin = next(c for c in standin.commands if c["name"] == "admin")
    found = []
    for option in admin["options"]:
        children = (
            [(None, option)]
            if option["type"] == 1
            else [(option["name"], child) for child in option.get("options", [])]
        )
        for group, sub in children:
            required = {
                o["name"]: o["choices"][0]["value"]
                if o.get("choices")
                else SAMPLE_VALUES[o["type"]]
                for o in sub.get("options", [])
                if o.get("required")
            }
            found.append((group, sub["name"], required))
    return found


@pytest.fixture
async def running(launch: Launcher) -> StandInBot:
    return await launch()


async def test_every_admin_subcommand_is_refused_for_members_and_outsiders(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    subcommands = admin_subcommands(standin)
    assert {"setup", "status", "announce", "sync", "reload", "audit"} <= {
        s for _, s, _ in subcommands
    }
    services = running.bot.services
    store = services.store
    refusals = {
        "member": services.t("errors.not_moderator", "ko"),
        "outsider": services.t("errors.wrong_guild", "ko"),
    }
    guilds = (standin.guild_id, standin.other_guild_id)
    before_settings = [await store.settings_in(f"guild:{g}") for g in guilds]
    config_before = services.config
    for group, sub, options in subcommands:
        for user, guild in (("member", None), ("outsider", standin.other_guild_id)):
            cursor = standin.cursor()
            handle = await standin.slash(
                user,
                name="admin",
                group=group,
                subcommand=sub,
                options=options,
                locale="ko",
                guild=guild,
            )
            reply = await handle.response()
            assert handle.ephemeral, (group, sub, user)
            assert message_text(reply["data"]) == refusals[user], (group, sub, user)
            # Nothing else happened: no message anywhere but the refusal.
            posted = [e for e in standin.message_log[cursor.messages :] if e.kind == "create"]
            assert len(posted) <= 1, (group, sub, user)
    for guild_id in guilds:
        assert await store.audit_entries(guild_id) == []
    assert [await store.settings_in(f"guild:{g}") for g in guilds] == before_settings
    assert services.config is config_before
    assert standin.command_sync_count == 1


async def test_moderator_role_and_manage_server_are_accepted(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    for user in ("moderator", "owner"):
        handle = await admin(standin, user, "status")
        reply = await handle.response()
        assert "Bot status" in message_text(reply["data"]), user


async def test_setup_stores_settings_reports_missing_permissions_and_audits(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    standin.deny_bot_permission("qna", "embed_links")
    cursor = standin.cursor()
    handle = await admin(standin, "owner", "setup", qna_channel="qna", locale="en-US")
    text = message_text((await handle.response())["data"])
    assert "Settings saved" in text
    assert "embed_links" in text
    settings = await running.bot.services.guild(standin.guild_id)
    assert settings.qna_channel_id == standin.channels["qna"]
    entries = await running.bot.services.store.audit_entries(standin.guild_id)
    assert [e["action"] for e in entries] == ["setup"]
    audit_post = await standin.wait_for_message(
        "audit", predicate=lambda m: "setup" in m["content"], after=cursor
    )
    assert str(standin.users["owner"].id) in audit_post["content"]


async def test_setup_survives_a_restart(
    launch: Launcher, standin: DiscordStandIn, tmp_path: Path
) -> None:
    first = await launch()
    handle = await admin(standin, "owner", "setup", locale="en", audit_channel="general")
    await handle.response()
    await first.stop()
    second = await launch()
    settings = await second.bot.services.guild(standin.guild_id)
    assert settings.audit_channel_id == standin.channels["general"]


async def test_announce_previews_then_posts_without_pinging(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    moderators, member = standin.roles["moderator"], standin.users["member"].id
    text = f"Break is over @everyone <@&{moderators}> <@{member}>"
    handle = await admin(standin, "moderator", "announce", message=text)
    preview = await handle.response()
    assert handle.ephemeral
    assert "Send it?" in message_text(preview["data"])
    assert standin.messages("announce") == []  # nothing posted before confirming

    cursor = standin.cursor()
    click = await standin.click(
        "moderator", handle.original or preview["data"], _button_id(handle, 0)
    )
    await click.response()
    posted = await standin.wait_for_message("announce", after=cursor)
    assert announcement_text(posted) == text
    allowed = standin.allowed_mentions_for(posted["id"])
    assert allowed["parse"] == []
    assert not allowed.get("roles")
    assert not allowed.get("users")


async def test_announce_can_ping_only_the_reminder_role(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    handle = await admin(standin, "moderator", "announce", message="Starting soon", ping_role=True)
    await handle.response()
    cursor = standin.cursor()
    await (await standin.click("moderator", handle.original, _button_id(handle, 0))).response()
    posted = await standin.wait_for_message("announce", after=cursor)
    role = standin.roles["reminder"]
    assert announcement_text(posted) == f"<@&{role}> Starting soon"
    allowed = standin.allowed_mentions_for(posted["id"])
    assert [int(r) for r in allowed["roles"]] == [role]
    assert allowed.get("parse", []) == []


async def test_announce_cancel_posts_nothing(running: StandInBot, standin: DiscordStandIn) -> None:
    handle = await admin(standin, "moderator", "announce", message="never mind", locale="ko")
    await handle.response()
    click = await standin.click("moderator", handle.original, _button_id(handle, 1))
    reply = await click.response()
    assert "보내지 않았어요" in message_text(reply["data"])
    assert standin.messages("announce") == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("   ", "The text is empty"),
        ("x" * 1801, "That is too long: 1801 characters"),
        ("\x00\x01", "The text is empty"),
    ],
)
async def test_announce_bad_input_gets_a_clear_error(
    running: StandInBot, standin: DiscordStandIn, message: str, expected: str
) -> None:
    handle = await admin(standin, "moderator", "announce", message=message)
    reply = await handle.response()
    assert handle.ephemeral
    assert expected in message_text(reply["data"])
    assert await running.bot.services.store.audit_entries(standin.guild_id) == []


async def test_reload_refuses_an_invalid_file_and_keeps_the_running_config(
    running: StandInBot, standin: DiscordStandIn, tmp_path: Path
) -> None:
    services = running.bot.services
    bad = tmp_path / "bad.toml"
    bad.write_text("[event]\nname = 3\n", "utf-8")
    original_settings, original_config = services.settings, services.config
    services.settings = dataclasses.replace(original_settings, config_path=bad)
    handle = await admin(standin, "moderator", "reload", locale="ko")
    text = message_text((await handle.response())["data"])
    assert "적용하지 않았어요" in text
    assert "event.name" in text
    assert services.config is original_config


async def test_secrets_never_reach_the_logs_or_the_status(
    launch: Launcher, standin: DiscordStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="discord")
    key = "AIzaSyTEST-secret-key-0123456789"
    # The YouTube API is unreachable (a closed loopback port): its errors are logged, key-free.
    settings = dataclasses.replace(
        standin_settings(standin),
        youtube_api_key=SecretStr(key),
        youtube_api_base="http://127.0.0.1:9",
        youtube_feed_base="http://127.0.0.1:9",
    )
    running = await launch(settings=settings)
    status = await (await admin(standin, "moderator", "status")).response()
    await standin.gateway_barrier()
    await running.stop()
    assert caplog.records
    assert any(r.name.startswith("discord") for r in caplog.records)
    for secret in (standin.token, key):
        assert secret not in caplog.text
        assert secret not in json.dumps(status)


def announcement_text(message: dict[str, Any]) -> str:
    """The moderator's text: the outbox adds its marker as a last subtext line."""
    text, marker = str(message["content"]).rsplit("\n-# ", 1)
    assert len(marker) == 6
    return text


def _button_id(handle: InteractionHandle, index: int) -> str:
    message = handle.original
    assert message is not None
    buttons = [c for row in message["components"] for c in row["components"]]
    return str(buttons[index]["custom_id"])
