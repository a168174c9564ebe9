"""A local Discord stand-in: enough of API v10 (REST + gateway) for the real discord.py client.

Used by end-to-end tests and by `rehearse` mode. It binds 127.0.0.1 on a free port, seeds a fixed
world and records everything. The world: a main guild (`guild_id`) with channels #announce (only
moderators and the bot may post), #qna, #general, #audit (hidden from @everyone); roles
moderator, reminder (mentionable) and the bot's managed role "bot"; users owner (guild owner, so
every permission), moderator, member, member2, and outsider who is only in a second guild
(`other_guild_id`, channel #other-general). Names work wherever an id is expected.

Typical test::

    async with DiscordStandIn() as standin, connect_client(standin, bot):
        handle = await standin.slash("member", name="about", locale="ko")
        reply = await handle.response()          # {"type": 4, "data": {...}}
        assert "판교" in handle.content_text()
        cursor = standin.cursor()
        ...                                       # make the bot post something
        posted = await standin.wait_for_message("announce", after=cursor)

`connect_client` points discord.py's `Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY` at the
stand-in, logs in, connects and waits for `on_ready`; on exit it closes the client and restores
both. Give the bot `guild_ready_timeout=0.05` and a `before_identify_hook` that returns at once.

Waiting never sleeps: it re-checks on every recorded change, and `cursor()` / `after=` make it
race-free. `gateway_barrier()` returns once the bot has read every dispatch sent so far.
Message nonces sent with `enforce_nonce` (discord.py always does) are honoured: a repeat by the
same author within `nonce_window` returns the first message and creates nothing; history does not
return nonces. Faults: `fail_next` (HTTP errors, 429s with retry_after, a dropped connection or a
request left hanging; with `processed=True` after the request took effect), `drop_gateway`, `send_reconnect`,
`invalidate_session`, `deny_bot_permission`, `set_bot_guild_permissions`, `close_dms`,
`delete_channel`. `tests.openapi_check.load_validator()` checks recorded traffic against
Discord's OpenAPI spec when that file is available.
"""

from bot.rehearsal.discord_standin.harness import connect_client
from bot.rehearsal.discord_standin.interactions import InteractionHandle
from bot.rehearsal.discord_standin.messages import message_text
from bot.rehearsal.discord_standin.recording import (
    Cursor,
    GatewayFrame,
    MessageEvent,
    RecordedFile,
    RecordedRequest,
    StandInTimeout,
)
from bot.rehearsal.discord_standin.server import DiscordStandIn
from bot.rehearsal.discord_standin.world import StandInUser, perms

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
