"""A local Discord stand-in: enough of API v10 (REST + gateway) for the real discord.py client.

Used by end-to-end tests and by `rehearse` mode. It binds 127.0.0.1 on a free port, seeds a fixed
world (a main guild with #announce, #qna, #general, #audit; roles moderator/reminder/bot; users
owner, moderator, member, member2, and an outsider in a second guild) and records everything.

Typical test::

    async with DiscordStandIn() as standin, connect_client(standin, bot):
        handle = await standin.slash("about", user="member", locale="ko")
        reply = await handle.response()
        cursor = standin.cursor()
        ...                                   # make the bot post something
        message = await standin.wait_for_message("announce", after=cursor)

`connect_client` patches discord.py's REST base and gateway URL, logs in, connects and waits for
`on_ready`; on exit it closes the client and restores the URLs. Waiting is always on recorded
events (never sleeps); `cursor()` makes a wait race-free. Faults: `fail_next` (HTTP errors and
429s), `drop_gateway`, `send_reconnect`, `invalidate_session`, `deny_bot_permission`,
`close_dms`. `bot.standin.openapi.load_validator()` checks recorded traffic against Discord's
OpenAPI spec when it is available.
"""

from bot.standin.harness import connect_client
from bot.standin.interactions import InteractionHandle
from bot.standin.messages import message_text
from bot.standin.recording import (
    Cursor,
    GatewayFrame,
    MessageEvent,
    RecordedFile,
    RecordedRequest,
    StandInTimeout,
)
from bot.standin.server import DiscordStandIn
from bot.standin.world import StandInUser, perms

__all__ = [
    "Cursor",
    "DiscordStandIn",
    "GatewayFrame",
    "InteractionHandle",
    "MessageEvent",
    "RecordedFile",
    "RecordedRequest",
    "StandInTimeout",
    "StandInUser",
    "connect_client",
    "message_text",
    "perms",
]
