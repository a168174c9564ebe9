"""The gateway protocol checked with a bare websocket client: framing, compression, sessions."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.rehearsal.discord_standin import DiscordStandIn


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(heartbeat_interval_ms=1000) as server:
        yield server


class Client:
    """Minimal gateway client: reads text frames, or zlib-stream binary frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self._inflate = zlib.decompressobj() if compressed else None

    async def receive(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=5)
        if self._inflate is None:
            assert msg.type is aiohttp.WSMsgType.TEXT
            return dict(json.loads(msg.data))
        assert msg.type is aiohttp.WSMsgType.BINARY
        assert msg.data.endswith(b"\x00\x00\xff\xff")
        return dict(json.loads(self._inflate.decompress(msg.data)))

    async def receive_dispatch(self, event: str) -> dict[str, Any]:
        while (payload := await self.receive())["t"] != event:
            pass
        return payload

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))


async def _connect(
    session: aiohttp.ClientSession, standin: DiscordStandIn, compress: bool
) -> Client:
    query = "?v=10&encoding=json" + ("&compress=zlib-stream" if compress else "")
    ws = await session.ws_connect(standin.gateway_url + query)
    return Client(ws, compress)


def _identify(token: str) -> dict[str, Any]:
    return {"token": token, "intents": 1, "properties": {}}


@pytest.mark.parametrize("compress", [True, False])
async def test_hello_heartbeat_identify(standin: DiscordStandIn, compress: bool) -> None:
    async with aiohttp.ClientSession() as session:
        client = await _connect(session, standin, compress)
        hello = await client.receive()
        assert hello == {"op": 10, "d": {"heartbeat_interval": 1000}}
        await client.send(1, None)
        assert (await client.receive())["op"] == 11
        await client.send(2, _identify(standin.token))
        ready = await client.receive()
        assert (ready["t"], ready["s"]) == ("READY", 1)
        guild = await client.receive()
        assert guild["t"] == "GUILD_CREATE"
        assert guild["d"]["channels"][0]["type"] == 0
        assert {r["name"] for r in guild["d"]["roles"]} >= {"@everyone", "bot"}
        await client.ws.close()


async def test_bad_token_closes_with_4004(standin: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        client = await _connect(session, standin, compress=False)
        await client.receive()
        await client.send(2, _identify("wrong"))
        closing = await client.ws.receive(timeout=5)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert client.ws.close_code == 4004


async def test_resume_replays_missed_dispatches(standin: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        first = await _connect(session, standin, compress=True)
        await first.receive()
        await first.send(2, _identify(standin.token))
        ready = await first.receive_dispatch("READY")
        await standin.drop_gateway(4000)
        standin.inject_message(
            "general", author="member", content="while away"
        )  # filtered: no GUILD_MESSAGES intent
        standin.dispatch("CHANNEL_UPDATE", {"id": "1", "guild_id": "2", "type": 0, "name": "x"})

        second = await _connect(session, standin, compress=True)
        await second.receive()
        session_id = ready["d"]["session_id"]
        await second.send(6, {"token": standin.token, "session_id": session_id, "seq": ready["s"]})
        replayed = [await second.receive() for _ in range(4)]
        assert [p["t"] for p in replayed] == [
            "GUILD_CREATE",
            "GUILD_CREATE",
            "CHANNEL_UPDATE",
            "RESUMED",
        ]
        assert [p["s"] for p in replayed] == [2, 3, 4, 5]
        assert standin.resume_count == 1

        third = await _connect(session, standin, compress=False)
        await third.receive()
        await third.send(6, {"token": standin.token, "session_id": "nope", "seq": 1})
        assert await third.receive() == {"op": 9, "d": False}
        for client in (second, third):
            await client.ws.close()
