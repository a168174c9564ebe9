"""A WebSub hub stand-in: accepts subscriptions, verifies them like pubsubhubbub.appspot.com, pushes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp
from aiohttp import web

from bot.clock import Clock

log = logging.getLogger(__name__)

# The real hub caps leases at about ten days.
MAX_LEASE = timedelta(days=10)


@dataclass
class HubSubscription:
    callback: str
    topic: str
    secret: str
    lease: timedelta
    verified_at: datetime
    expires_at: datetime


@dataclass
class HubRequest:
    """One subscribe/unsubscribe request as received, with what came of its verification."""

    mode: str
    callback: str
    topic: str
    secret: str
    lease_seconds: int | None
    verified: bool | None = None
    challenge: str = ""
    notes: list[str] = field(default_factory=list)


class HubStandIn:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.max_lease = MAX_LEASE
        self.requests: list[HubRequest] = []
        self.subscriptions: dict[tuple[str, str], HubSubscription] = {}
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        mode = str(form.get("hub.mode", ""))
        callback = str(form.get("hub.callback", ""))
        topic = str(form.get("hub.topic", ""))
        if mode not in {"subscribe", "unsubscribe"} or not callback or not topic:
            return web.Response(
                status=400, text="Invalid value for hub.mode / hub.callback / hub.topic"
            )
        lease_text = str(form.get("hub.lease_seconds", "") or "")
        entry = HubRequest(
            mode=mode,
            callback=callback,
            topic=topic,
            secret=str(form.get("hub.secret", "") or ""),
            lease_seconds=int(lease_text) if lease_text.isdigit() else None,
        )
        self.requests.append(entry)
        task = asyncio.create_task(self._verify(entry))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # Like the real hub: 202 Accepted, verification of intent follows asynchronously.
        return web.Response(status=202)

    async def _verify(self, entry: HubRequest) -> None:
        assert self._session is not None
        lease = timedelta(seconds=entry.lease_seconds or 432_000)
        lease = min(lease, self.max_lease)
        entry.challenge = secrets.token_urlsafe(16)
        params = {
            "hub.mode": entry.mode,
            "hub.topic": entry.topic,
            "hub.challenge": entry.challenge,
        }
        if entry.mode == "subscribe":
            params["hub.lease_seconds"] = str(int(lease.total_seconds()))
        try:
            async with self._session.get(entry.callback, params=params) as response:
                body = (await response.text()).strip()
                entry.verified = 200 <= response.status < 300 and body == entry.challenge
                entry.notes.append(f"callback answered {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            entry.verified = False
            entry.notes.append(f"callback unreachable: {error!r}")
        key = (entry.callback, entry.topic)
        if entry.verified and entry.mode == "subscribe":
            now = self._clock.now()
            self.subscriptions[key] = HubSubscription(
                entry.callback, entry.topic, entry.secret, lease, now, now + lease
            )
        elif entry.verified and entry.mode == "unsubscribe":
            self.subscriptions.pop(key, None)
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_verifications(self, count: int, within: float = 5.0) -> list[HubRequest]:
        """Wait until ``count`` requests have finished verification (successfully or not)."""

        def done() -> bool:
            return sum(1 for r in self.requests if r.verified is not None) >= count

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(done)
        return [r for r in self.requests if r.verified is not None]

    def active(self, topic: str) -> list[HubSubscription]:
        now = self._clock.now()
        return [s for s in self.subscriptions.values() if s.topic == topic and s.expires_at > now]

    async def deliver(self, topic: str, body: str, *, signature: str = "valid") -> list[int]:
        """POST a notification to every live subscription of ``topic``; returns the statuses.

        ``signature`` is "valid", "bad" (signed with the wrong secret) or "missing".
        """
        assert self._session is not None
        statuses: list[int] = []
        data = body.encode()
        for subscription in self.active(topic):
            headers = {"Content-Type": "application/atom+xml"}
            if signature != "missing":
                secret = subscription.secret if signature == "valid" else "not-the-secret"
                digest = hmac.new(secret.encode(), data, hashlib.sha1).hexdigest()
                headers["X-Hub-Signature"] = f"sha1={digest}"
            async with self._session.post(subscription.callback, data=data, headers=headers) as r:
                statuses.append(r.status)
        return statuses
