"""Process lifecycle: build the services, run the bot until a stop signal, shut everything down."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.core import CompanionBot, point_discord_at
from bot.i18n import Catalog
from bot.ops.health import http_endpoint
from bot.ops.metrics import Metrics
from bot.services import Services
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)

#: How long a clean shutdown may take before the process gives up waiting (the CLI promises 5 s).
SHUTDOWN_TIMEOUT = 4.0


async def build_services(
    config: Config, settings: Settings, *, clock: Clock | None = None, data_dir: Path | None = None
) -> Services:
    store = await Store.open(data_dir or settings.data_dir)
    return Services(
        config=config,
        settings=settings,
        store=store,
        clock=clock or SystemClock(),
        catalog=Catalog.on_first_use(),
        http=aiohttp.ClientSession(),
        metrics=new_metrics(config, settings),
    )


def new_metrics(config: Config, settings: Settings) -> Metrics:
    """Counting metrics when the endpoint is on; otherwise the no-op base (prometheus unloaded)."""
    if http_endpoint(config, settings) is None:
        return Metrics()
    from bot.ops.prometheus import PrometheusMetrics

    return PrometheusMetrics()


async def start_bot(
    services: Services,
    token: str,
    *,
    extensions: Sequence[str] | None = None,
    guild_ready_timeout: float = 2.0,
    reidentify_delay: float = 5.0,
) -> tuple[CompanionBot, asyncio.Task[None]]:
    """Log in and connect in the background; returns the bot and its gateway task."""
    point_discord_at(services.settings.discord_api_base, services.settings.discord_gateway_url)
    bot = CompanionBot(
        services,
        extensions=extensions,
        guild_ready_timeout=guild_ready_timeout,
        reidentify_delay=reidentify_delay,
    )
    try:
        await bot.login(token)
    except BaseException:
        await bot.close()
        raise
    task = asyncio.create_task(bot.connect(reconnect=True), name="discord-gateway")
    return bot, task


async def stop_bot(bot: CompanionBot, task: asyncio.Task[None]) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(bot.close(), timeout=SHUTDOWN_TIMEOUT)
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


#: Collection, paused by ``ccei-bot run`` for start-up, resumes at the latest this long after the
#: gateway task starts even if Discord never gets as far as READY (an outage, a login loop).
RESUME_GC_AFTER = 60.0


def freeze_startup_objects() -> None:
    """Move everything alive after start-up (modules, classes, config, caches) out of the garbage
    collector's sight: a full collection then walks only what was made since (~130k objects less),
    and turn collection back on (the CLI pauses it for start-up).

    No collection first: start-up leaves ~200 objects of cyclic garbage (frozen with the rest, a
    few kB), while a full collection would stop the loop for 60-250 ms."""
    gc.freeze()
    gc.enable()
    log.debug("froze %d objects after start-up", gc.get_freeze_count())


async def _freeze_when_ready(bot: CompanionBot) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(bot.wait_until_ready(), RESUME_GC_AFTER)
    freeze_startup_objects()


async def run_until_stopped(services: Services, token: str) -> int:
    """Run until SIGINT/SIGTERM (exit code 0) or until the gateway gives up (exit code 1)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    probe = None
    if services.settings.lag_probe is not None:
        from bot.lagprobe import LagProbe  # benchmarks only: nothing of it loads otherwise

        probe = LagProbe.start()
    bot, task = await start_bot(services, token)
    # Only the real process freezes: tests start many bots in one interpreter.
    freezer = asyncio.create_task(_freeze_when_ready(bot), name="gc-freeze")
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    failed = task.done() and not task.cancelled() and task.exception() is not None
    if failed:
        log.error("gateway connection ended: %s", task.exception())
    stopper.cancel()
    freezer.cancel()
    await stop_bot(bot, task)
    if probe is not None and services.settings.lag_probe is not None:
        await probe.stop(services.settings.lag_probe)
    return 1 if failed else 0
