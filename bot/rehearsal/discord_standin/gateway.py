"""The gateway: a websocket speaking Discord's v10 JSON protocol to one bot.

A session outlives its socket: dispatches made while no socket is attached are kept with their
sequence numbers and replayed on RESUME. Events the bot's intents do not cover are not sent, and
without the message-content intent guild message text is blanked as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.rehearsal.discord_standin.recording import Recorder
from bot.rehearsal.discord_standin.world import JSON, World

log = logging.getLogger(__name__)

HELLO, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT = 10, 1, 2, 3, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 8, 9, 11, 0

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16

_EVENT_INTENTS: dict[str, int] = {
    "GUILD_UPDATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_ROLE_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "PRESENCE_UPDATE": GUILD_PRESENCES,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}
_REACTION_EVENTS = {"MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"}


def required_intent(event: str, data: JSON) -> int:
    """The intent bit a dispatch needs (0 = always sent)."""
    in_guild = "guild_id" in data
    if event in _MESSAGE_EVENTS:
        return GUILD_MESSAGES if in_guild else DIRECT_MESSAGES
    if event in _REACTION_EVENTS:
        return GUILD_MESSAGE_REACTIONS if in_guild else DIRECT_MESSAGE_REACTIONS
    return _EVENT_INTENTS.get(event, 0)


def _without_content(data: JSON) -> JSON:
    stripped = copy.deepcopy(data)
    stripped.update(content="", embeds=[], attachments=[], components=[])
    stripped.pop("poll", None)
    return stripped


class _Connection:
    """One websocket: an ordered outgoing queue drained by a writer task."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool, recorder: Recorder) -> None:
        self.ws = ws
        self.session: GatewaySession | None = None
        self._recorder = recorder
        self._compressor = zlib.compressobj() if compress else None
        self._queue: asyncio.Queue[JSON | None] = asyncio.Queue()
        self.writer = asyncio.create_task(self._write_loop(), name="standin-gateway-writer")

    def send(self, payload: JSON) -> None:
        self._queue.put_nowait(payload)

    def stop(self) -> None:
        self._queue.put_nowait(None)

    async def _write_loop(self) -> None:
        while (payload := await self._queue.get()) is not None:
            if self.ws.closed:
                return
            text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
            self._recorder.log_gateway("sent", payload)
            try:
                if self._compressor is None:
                    await self.ws.send_str(text)
                else:
                    data = self._compressor.compress(text.encode())
                    data += self._compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway write failed: %s", exc)
                return


@dataclass
class GatewaySession:
    session_id: str
    intents: int
    shard: tuple[int, int] | None
    seq: int = 0
    frames: list[JSON] = field(default_factory=list)
    connection: _Connection | None = None


class Gateway:
    def __init__(
        self,
        world: World,
        recorder: Recorder,
        token: str,
        resume_url: Callable[[], str],
        heartbeat_interval_ms: int = 41250,
    ) -> None:
        self._world = world
        self._recorder = recorder
        self._token = token
        self._resume_url = resume_url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, GatewaySession] = {}
        self.session: GatewaySession | None = None
        self.identify_count = 0
        self.resume_count = 0
        self._session_numbers = itertools.count(1)
        self._connections: set[_Connection] = set()

    @property
    def connected(self) -> bool:
        session = self.session
        return session is not None and session.connection is not None

    # -------------------------------------------------------------- dispatch
    def dispatch(self, event: str, data: JSON) -> bool:
        """Queue a dispatch for the current session; False if no session or intent blocks it."""
        session = self.session
        if session is None:
            log.debug("no gateway session; dropping %s", event)
            return False
        needed = required_intent(event, data)
        if needed and not session.intents & needed:
            return False
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and "guild_id" in data:
            data = self._apply_content_intent(session, data)
        session.seq += 1
        frame: JSON = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        if session.connection is not None:
            session.connection.send(frame)
        return True

    def _apply_content_intent(self, session: GatewaySession, data: JSON) -> JSON:
        if session.intents & MESSAGE_CONTENT:
            return data
        bot_id = str(self._world.bot_user.id)
        author_id = (data.get("author") or {}).get("id")
        mentioned = any(m.get("id") == bot_id for m in data.get("mentions") or [])
        return data if author_id == bot_id or mentioned else _without_content(data)

    # -------------------------------------------------------------- faults
    async def drop(self, code: int = 4000) -> None:
        """Close the socket with `code`; the session stays resumable."""
        session = self.session
        connection = session.connection if session else None
        if session is None or connection is None:
            raise RuntimeError("no gateway connection to drop")
        session.connection = None
        connection.session = None
        await connection.ws.close(code=code, message=b"stand-in fault")

    def send_reconnect(self) -> None:
        self._send_current({"op": RECONNECT, "d": None})

    def invalidate_session(self, resumable: bool) -> None:
        session = self.session
        self._send_current({"op": INVALID_SESSION, "d": resumable})
        if not resumable and session is not None:
            self.sessions.pop(session.session_id, None)
            if session.connection is not None:
                session.connection.session = None
            session.connection = None
            self.session = None

    def _send_current(self, payload: JSON) -> None:
        session = self.session
        if session is None or session.connection is None:
            raise RuntimeError("no gateway connection")
        session.connection.send(payload)

    def request_heartbeat(self) -> None:
        """Ask the client for a heartbeat (op 1); its answer proves it read all earlier frames."""
        self._send_current({"op": HEARTBEAT, "d": None})

    async def close(self) -> None:
        for connection in list(self._connections):
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001, message=b"stand-in stopping")

    # ------------------------------------------------------------- handling
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        if request.query.get("compress") not in (None, "zlib-stream"):
            log.info("compression %s not supported; sending text frames", request.query["compress"])
        connection = _Connection(ws, compress, self._recorder)
        self._connections.add(connection)
        connection.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self._recorder.log_gateway("received", payload)
                await self._on_payload(connection, payload)
        finally:
            self._connections.discard(connection)
            session = connection.session
            if session is not None and session.connection is connection:
                session.connection = None
            connection.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await connection.writer
        return ws

    async def _on_payload(self, connection: _Connection, payload: JSON) -> None:
        op = payload.get("op")
        data: Any = payload.get("d")
        if op == HEARTBEAT:
            connection.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(connection, data)
        elif op == RESUME:
            await self._resume(connection, data)
        elif op == REQUEST_MEMBERS:
            self._member_chunk(data)
        elif op == PRESENCE:
            log.debug("presence update: %s", data)

    async def _identify(self, connection: _Connection, data: JSON) -> None:
        if data.get("token") != self._token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        if connection.session is not None:
            await connection.ws.close(code=4005, message=b"Already authenticated.")
            return
        shard = tuple(data["shard"]) if data.get("shard") else None
        session = GatewaySession(
            session_id=f"standin-session-{next(self._session_numbers)}",
            intents=int(data.get("intents", 0)),
            shard=(int(shard[0]), int(shard[1])) if shard else None,
        )
        self.sessions[session.session_id] = session
        if self.session is not None and self.session.connection is not None:
            self.session.connection.session = None
        self.session = session
        session.connection = connection
        connection.session = session
        self.identify_count += 1
        guilds = [g for g in self._world.guilds_of(self._world.bot_user.id) if self._in_shard(g.id)]
        user = self._world.bot_user.payload() | {"verified": True, "mfa_enabled": False}
        ready: JSON = {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(self._world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "_trace": ["stand-in"],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        self.dispatch("READY", ready)
        for guild in guilds:
            self.dispatch("GUILD_CREATE", self._world.guild_create_payload(guild))
        self._recorder.notify()

    def _in_shard(self, guild_id: int) -> bool:
        shard = self.session.shard if self.session else None
        return shard is None or (guild_id >> 22) % shard[1] == shard[0]

    async def _resume(self, connection: _Connection, data: JSON) -> None:
        if data.get("token") != self._token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None:
            connection.send({"op": INVALID_SESSION, "d": False})
            return
        if session.connection is not None and session.connection is not connection:
            session.connection.session = None
        self.session = session
        session.connection = connection
        connection.session = session
        self.resume_count += 1
        last_seen = int(data.get("seq") or 0)
        for frame in session.frames:
            if frame["s"] > last_seen:
                connection.send(frame)
        self.dispatch("RESUMED", {"_trace": ["stand-in"]})

    def _member_chunk(self, data: JSON) -> None:
        guild = self._world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        query = str(data.get("query") or "").lower()
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            self._world.member_payload(guild, uid)
            for uid in guild.members
            if (not wanted or uid in wanted)
            and self._world.user(uid).username.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": members[:limit] if limit else members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
