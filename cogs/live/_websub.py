"""WebSub (PubSubHubbub) push from YouTube's hub: optional, a hint source only.

The bot serves the callback on its own aiohttp web server, subscribes to the channel's topic, echoes the
hub's ``hub.challenge`` for the subscription it asked for, renews at 80% of the lease, and checks
``X-Hub-Signature: sha1=<HMAC-SHA1(body, secret)>``. A push with a bad or missing signature is answered
2xx (so the hub does not retry it) and ignored. A valid push only names video ids: videos.list confirms
their state, and the regular poll stays as the fallback, because YouTube pushes when a stream is
created, not when it goes live.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from bot.clock import Clock
from cogs.live._feed import FeedDocument, FeedError, parse_feed

if TYPE_CHECKING:
    # aiohttp's server side (~40 ms of imports at start-up) loads in start(): only with WebSub on.
    from aiohttp import web

log = logging.getLogger(__name__)

TOPIC_BASE = "https://www.youtube.com/xml/feeds/videos.xml?channel_id="
#: The hub grants about five days; it caps requests at ten.
DEFAULT_LEASE = timedelta(days=5)
#: After a failed or unverified subscription attempt, wait this long before the next one.
RETRY_AFTER = timedelta(minutes=1)
_MAX_BODY = 1024 * 1024


def topic_for(channel_id: str) -> str:
    return TOPIC_BASE + channel_id


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha1="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha1=").strip().lower())


class WebSubSubscriber:
    def __init__(
        self,
        *,
        callback_url: str,
        port: int,
        hub_url: str,
        session: aiohttp.ClientSession,
        clock: Clock,
        on_notification: Callable[[FeedDocument], None],
        host: str,
        lease: timedelta = DEFAULT_LEASE,
        request_timeout: float = 10.0,
    ) -> None:
        self.callback_url = callback_url
        self._path = urlsplit(callback_url).path or "/"
        self._port = port
        self._host = host
        self._hub_url = hub_url
        self._session = session
        self._clock = clock
        self._on_notification = on_notification
        self._lease = lease
        self._timeout = request_timeout
        # One secret per process: a push signed before a restart fails the check and is ignored; the
        # poll covers it.
        self._secret = secrets.token_hex(20)
        self._runner: web.AppRunner | None = None
        self.topic: str | None = None
        self.verified_at: datetime | None = None
        self.expires_at: datetime | None = None
        self._granted: timedelta | None = None
        self._last_attempt: datetime | None = None
        self.notifications = 0
        self.rejected = 0

    @property
    def bound_port(self) -> int:
        if self._runner is None or not self._runner.addresses:
            return 0
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_get(self._path, self._verify)
        app.router.add_post(self._path, self._notify)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("WebSub callback listening on %s:%s%s", self._host, self.bound_port, self._path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- subscription -------------------------------------------------------------------------------

    def renew_due(self, now: datetime) -> bool:
        """Subscribe when not subscribed, renew at 80% of the lease, retry a failed attempt later."""
        if (
            self.verified_at is not None
            and self._granted is not None
            and now < self.verified_at + self._granted * 0.8
        ):
            return False
        attempt = self._last_attempt
        if attempt is None:
            return True
        answered = self.verified_at is not None and self.verified_at >= attempt
        return answered or now - attempt >= RETRY_AFTER

    async def maintain(self, channel_id: str) -> None:
        """Subscribe, or renew before the lease ends. Failures are logged; the poll carries on."""
        now = self._clock.now()
        topic = topic_for(channel_id)
        if topic != self.topic:
            self.topic, self.verified_at, self.expires_at, self._granted = topic, None, None, None
        if not self.renew_due(now):
            return
        self._last_attempt = now
        form = {
            "hub.callback": self.callback_url,
            "hub.mode": "subscribe",
            "hub.topic": topic,
            "hub.verify": "async",
            "hub.lease_seconds": str(int(self._lease.total_seconds())),
            "hub.secret": self._secret,
        }
        try:
            async with self._session.post(
                self._hub_url, data=form, timeout=aiohttp.ClientTimeout(total=self._timeout)
            ) as response:
                if response.status not in (202, 204):
                    text = (await response.text())[:200]
                    log.warning("WebSub hub refused the subscription: %s %s", response.status, text)
                    return
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("WebSub hub unreachable: %s", error)
            return
        log.info("WebSub subscription requested for %s", topic)

    # -- callback handlers --------------------------------------------------------------------------

    async def _verify(self, request: web.Request) -> web.Response:
        from aiohttp import web  # loaded by start()

        mode = request.query.get("hub.mode", "")
        topic = request.query.get("hub.topic", "")
        challenge = request.query.get("hub.challenge", "")
        if mode == "denied":
            log.warning("WebSub hub denied the subscription to %s: %s", topic, request.query)
            return web.Response(status=200)
        if mode != "subscribe" or not challenge or topic != self.topic:
            # Not something we asked for (or an unsubscribe we never sent): refuse it.
            return web.Response(status=404)
        lease_text = request.query.get("hub.lease_seconds", "")
        granted = timedelta(seconds=int(lease_text)) if lease_text.isdigit() else self._lease
        now = self._clock.now()
        self.verified_at, self._granted, self.expires_at = now, granted, now + granted
        log.info("WebSub subscription verified, lease %s", granted)
        return web.Response(status=200, text=challenge, content_type="text/plain")

    async def _notify(self, request: web.Request) -> web.Response:
        from aiohttp import web  # loaded by start()

        body = await request.read()
        if not signature_ok(self._secret, body, request.headers.get("X-Hub-Signature")):
            self.rejected += 1
            log.warning("WebSub push with a bad or missing signature ignored")
            # 2xx anyway: the hub would otherwise retry a message we will never accept.
            return web.Response(status=202)
        try:
            document = parse_feed(body)
        except FeedError as error:
            log.warning("WebSub push unreadable: %s", error)
            return web.Response(status=202)
        self.notifications += 1
        self._on_notification(document)
        return web.Response(status=204)
