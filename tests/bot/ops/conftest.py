"""Helpers for the ops tests: a free loopback port and reading the endpoint."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, path: str) -> tuple[int, str, Any]:
    """(status, text, JSON or None) of ``GET http://127.0.0.1:<port><path>``."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        text = await response.text()
        data = await response.json() if response.content_type == "application/json" else None
        return response.status, text, data


def sample(metrics: str, name: str) -> float | None:
    """The value of one sample line (``name`` with its labels, as printed) in exposition text."""
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None
