"""Shared fixtures: the local Discord stand-in and the real bot connected to it.

Every end-to-end test that uses ``standin`` is also checked, on teardown, for what the bot sent: no
request could ping @everyone/@here, users or an unintended role; nothing hit an unknown route; and,
when Discord's OpenAPI spec is available, every request and answer matches it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.clock import Clock
from bot.config import Config, default_config_path, load_config
from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, RecordedRequest
from bot.rehearsal.run import StandInBot, standin_config, start_against_standin
from bot.settings import Settings
from bot.store import Store
from tests.openapi_check import load_validator

MESSAGE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("POST", "/webhooks/{application_id}/{interaction_token}"),
    ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/@original"),
    ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"),
}

#: Interaction callback types that carry a message (4 reply, 7 update); the others cannot ping.
MESSAGE_CALLBACKS = {4, 7}


def mention_problems(
    requests: list[RecordedRequest], allowed_roles: set[int], role_channels: set[int]
) -> list[str]:
    """Every message the bot sent must carry allowed_mentions that ping nobody; only posts in
    ``role_channels`` (the announce channel: reminders, live, announcements) may ping
    ``allowed_roles`` (the opt-in reminder role)."""
    problems = []
    for request in requests:
        if (request.method, request.route) not in MESSAGE_ROUTES or not isinstance(
            request.json, dict
        ):
            continue
        body = request.json
        if request.route.endswith("/callback"):
            if body.get("type") not in MESSAGE_CALLBACKS:
                continue  # deferrals, modals, autocomplete choices: nothing that can ping
            body = body.get("data") or {}
        allowed = body.get("allowed_mentions")
        if allowed is None:
            problems.append(f"{request}: no allowed_mentions")
            continue
        parse = set(allowed.get("parse", []))
        if parse:
            problems.append(f"{request}: allowed_mentions.parse = {sorted(parse)}")
        roles = {int(r) for r in allowed.get("roles", [])}
        in_role_channel = request.route.startswith("/channels/") and any(
            request.path.startswith(f"/channels/{c}/") for c in role_channels
        )
        permitted = allowed_roles if in_role_channel else set()
        if not roles <= permitted:
            problems.append(f"{request}: may ping roles {sorted(roles - permitted)}")
        if allowed.get("users"):
            problems.append(f"{request}: may ping users {allowed['users']}")
        if allowed.get("replied_user"):
            problems.append(f"{request}: may ping the replied-to user")
    return problems


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with DiscordStandIn() as server:
        # A test may delete these.
        reminder_role, announce = server.roles["reminder"], server.channels["announce"]
        yield server
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
    assert server.internal_errors == []
    assert server.unknown_requests() == []
    assert mention_problems(server.requests, {reminder_role}, {announce}) == []
    validator = load_validator()
    if validator is not None:
        problems = [
            problem
            for request in server.requests
            for problem in validator.validate(request, check_request=request.status < 400)
        ]
        assert problems == []


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A real SQLite store, migrated, in the test's own directory."""
    opened = await Store.open(tmp_path)
    yield opened
    await opened.close()


@pytest.fixture
def base_config() -> Config:
    return load_config(default_config_path())


@pytest.fixture
def event_config(standin: DiscordStandIn, base_config: Config) -> Config:
    """The shipped event with the stand-in's server, channels and roles."""
    return standin_config(base_config, standin)


Launcher = Callable[..., Awaitable[StandInBot]]


@pytest.fixture
async def launch(
    standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> AsyncIterator[Launcher]:
    """Start the real bot against the stand-in: ``await launch(config=..., clock=...)``.

    Calling it again on the same data dir after ``stop()`` is a restart.
    """
    running: list[StandInBot] = []

    async def start(
        *,
        config: Config | None = None,
        clock: Clock | None = None,
        data_dir: Path | None = None,
        settings: Settings | None = None,
        extensions: list[str] | None = None,
    ) -> StandInBot:
        bot = await start_against_standin(
            standin,
            config or event_config,
            data_dir=data_dir or tmp_path / "data",
            clock=clock,
            settings=settings,
            extensions=extensions,
        )
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


async def admin(
    standin: DiscordStandIn,
    user: str,
    sub: str,
    group: str | None = None,
    locale: str = "en-US",
    **options: Any,
) -> InteractionHandle:
    """``user`` runs ``/admin [group] sub`` with ``options``."""
    return await standin.slash(
        user, name="admin", group=group, subcommand=sub, options=options, locale=locale
    )


@pytest.fixture(autouse=True)
def _quiet_discord_logs(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.INFO)
    logging.getLogger("discord").setLevel(logging.WARNING)
    return None
