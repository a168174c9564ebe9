"""Stand-in pieces checked without a discord.py client: fast and precise."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.rehearsal.discord_standin import DiscordStandIn, perms
from bot.rehearsal.discord_standin.errors import DiscordError
from bot.rehearsal.discord_standin.messages import check_message_body, normalise_components
from bot.rehearsal.discord_standin.world import ALL_PERMISSIONS, World


async def test_starts_and_stops_quickly() -> None:
    started = time.perf_counter()
    standin = DiscordStandIn()
    await standin.start()
    assert time.perf_counter() - started < 1.0
    assert standin.rest_base.startswith("http://127.0.0.1:")
    assert standin.rest_base.endswith("/api/v10")
    assert standin.gateway_url.endswith("/gateway")
    await standin.stop()


def test_seeded_world_is_fixed() -> None:
    first, second = DiscordStandIn(), DiscordStandIn()
    assert first.guild_id == second.guild_id
    assert first.channels == second.channels
    assert set(first.channels) == {"announce", "qna", "general", "audit", "other-general"}
    assert set(first.roles) == {"everyone", "moderator", "reminder", "bot", "other-bot"}
    assert first.roles["everyone"] == first.guild_id
    assert set(first.users) == {"bot", "owner", "moderator", "member", "member2", "outsider"}


def test_permissions_follow_overwrites() -> None:
    world = World.seeded()
    audit = world.channel("audit")
    member = world.user("member").id
    moderator = world.user("moderator").id
    owner = world.user("owner").id
    assert world.channel_permissions(audit, member) == 0
    assert world.channel_permissions(audit, moderator) & perms("send_messages")
    assert (
        world.channel_permissions(world.channel("announce"), member) & perms("send_messages") == 0
    )
    guild = world.guild(audit.guild_id or 0)
    assert world.base_permissions(guild, owner) & perms("administrator", "manage_guild")
    assert not world.base_permissions(guild, moderator) & perms("manage_guild")


def test_fixed_clock_gives_deterministic_snowflakes() -> None:
    def clock() -> datetime:
        return datetime(2022, 12, 15, 4, 0, tzinfo=UTC)

    ids = [DiscordStandIn(clock=clock)._snowflake() for _ in range(2)]
    assert ids[0] == ids[1]


def test_message_limits() -> None:
    check_message_body({"content": "x" * 2000, "embeds": [{"title": "t" * 256}]})
    with pytest.raises(DiscordError) as error:
        check_message_body({"embeds": [{"fields": [{"name": "", "value": "v"}]}] * 11})
    body = error.value.body()
    assert body["code"] == 50035
    assert "embeds" in body["errors"]
    assert body["errors"]["embeds"]["0"]["fields"]["0"]["name"]["_errors"][0]["code"]
    with pytest.raises(DiscordError):
        check_message_body(
            {"content": "a", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
        )
    total = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    with pytest.raises(DiscordError, match="50035"):
        check_message_body({"embeds": total})


def test_components_are_numbered_like_discord() -> None:
    rows = [{"type": 1, "components": [{"type": 2, "label": "a"}, {"type": 3, "custom_id": "s"}]}]
    numbered = normalise_components(rows)
    assert [numbered[0]["id"], *(c["id"] for c in numbered[0]["components"])] == [1, 2, 3]
    assert numbered[0]["components"][1]["min_values"] == 1
    assert "id" not in rows[0]


def test_subcommand_options_take_types_from_the_synced_schema() -> None:
    standin = DiscordStandIn()
    standin.command_store.by_scope[None] = [
        {
            "id": "42",
            "name": "admin",
            "type": 1,
            "options": [
                {
                    "type": 2,
                    "name": "reminders",
                    "options": [
                        {
                            "type": 1,
                            "name": "set",
                            "options": [
                                {"type": 4, "name": "minutes"},
                                {"type": 8, "name": "role"},
                                {"type": 7, "name": "where"},
                                {"type": 6, "name": "who"},
                            ],
                        }
                    ],
                }
            ],
        }
    ]
    record = standin.interactions.command(
        standin.world.user("owner"),
        standin.world.channel("general"),
        "admin",
        {"minutes": 10, "role": "reminder", "where": "announce", "who": "member"},
        subcommand="set",
        group="reminders",
        locale=None,
    )
    data = record.payload["data"]
    assert data["id"] == "42"
    (group,) = data["options"]
    assert (group["type"], group["name"]) == (2, "reminders")
    (sub,) = group["options"]
    assert (sub["type"], sub["name"]) == (1, "set")
    values = {o["name"]: (o["type"], o["value"]) for o in sub["options"]}
    assert values["minutes"] == (4, 10)
    assert values["role"] == (8, str(standin.roles["reminder"]))
    assert values["where"] == (7, str(standin.channels["announce"]))
    assert values["who"] == (6, str(standin.users["member"].id))
    resolved = data["resolved"]
    assert set(resolved) == {"roles", "channels", "users", "members"}
    assert record.payload["locale"] == "ko"
    assert record.payload["member"]["permissions"] == str(ALL_PERMISSIONS)  # the guild owner


def test_unsynced_command_infers_option_types() -> None:
    standin = DiscordStandIn()
    record = standin.interactions.command(
        standin.world.user("member2"),
        standin.world.channel("qna"),
        "about",
        {"flag": True, "n": 3, "ratio": 0.5, "text": "hi"},
        subcommand=None,
        group=None,
        locale=None,
    )
    types = {o["name"]: o["type"] for o in record.payload["data"]["options"]}
    assert types == {"flag": 5, "n": 4, "ratio": 10, "text": 3}
    assert record.payload["locale"] == "en-US"
    assert record.payload["guild_locale"] == "ko"
    with pytest.raises(ValueError, match="not a member"):
        standin.interactions.command(
            standin.world.user("outsider"), standin.world.channel("qna"), "about", {},
            subcommand=None, group=None, locale=None,
        )  # fmt: skip
