"""JSON log lines: one object per line with time, level, logger, message and, for an interaction,
the server, command, user id and (for an unexpected error) the error id the user was shown."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.ops.logs import ContextFilter, JsonFormatter, bind, configure_logging
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from tests.conftest import Launcher


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What a JSON handler on the root logger writes during the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_a_record_is_one_json_line_with_the_bound_context(json_lines: io.StringIO) -> None:
    async def handle_one() -> None:
        bind(guild=1, command="faq", user_id=42)
        try:
            raise ValueError("bad\nthing")
        except ValueError:
            logging.getLogger("cogs.faq").exception("failed %s", "here", extra={"error_id": "ab12"})

    asyncio.run(handle_one())
    logging.getLogger("cogs.faq").warning("outside the interaction")
    first, second = json_lines.getvalue().splitlines()
    entry = json.loads(first)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "cogs.faq"
    assert entry["message"] == "failed here"
    assert (entry["guild"], entry["command"], entry["user_id"], entry["error_id"]) == (
        1,
        "faq",
        42,
        "ab12",
    )
    assert "ValueError: bad\nthing" in entry["exception"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", entry["time"])
    # The context belonged to that task only.
    assert set(json.loads(second)) == {"time", "level", "logger", "message"}


def test_configure_logging_switches_the_format_and_quiets_libraries() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("discord").level)
    stream = io.StringIO()
    try:
        configure_logging(level=logging.WARNING, log_format="json", stream=stream)
        logging.getLogger("bot.core").info("not shown at WARNING")
        logging.getLogger("bot.core").warning("shown")
        assert logging.getLogger("discord").level == logging.WARNING
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        logging.getLogger("discord").setLevel(saved[2])
    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == "shown"


async def test_an_unexpected_error_logs_its_id_with_server_command_and_user(
    launch: Launcher, standin: DiscordStandIn, json_lines: io.StringIO
) -> None:
    await launch(extensions=["cogs.about", "tests.bot.boom_extension"])
    handle = await standin.slash("member", name="boom", locale="en-US")
    shown = re.search(r"`([0-9a-f]{8})`", message_text((await handle.response())["data"]))
    assert shown is not None
    entries = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    [error] = [e for e in entries if e.get("error_id") == shown.group(1)]
    assert error["level"] == "ERROR"
    assert error["logger"] == "bot.tree"
    assert error["guild"] == standin.guild_id
    assert error["command"] == "boom"
    assert error["user_id"] == standin.users["member"].id
    assert "kaboom" in error["exception"]
    assert standin.token not in json_lines.getvalue()
