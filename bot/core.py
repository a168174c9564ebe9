"""The Bot subclass: built with its dependencies, owns their start-up and shutdown."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import logging
import pkgutil
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord.ext import commands

import cogs
from bot import __version__
from bot.checks import ModeratorGroup
from bot.i18n import CatalogTranslator
from bot.mentions import NO_MENTIONS
from bot.notices import ModeratorNotices
from bot.ops.health import GatewayWatch, http_endpoint
from bot.ops.storage import StorageWatch
from bot.outbox import Outbox
from bot.services import Services
from bot.tasks import BackgroundTasks
from bot.text import clip
from bot.tree import CompanionTree, interaction_seconds

if TYPE_CHECKING:
    from bot.ops.server import OpsServer

log = logging.getLogger(__name__)

COMMAND_HASH_KEY = "commands_hash"


def _short(value: Any, limit: int = 400) -> str:
    """An audit value as one line of JSON for a code span, clipped."""
    text = "-" if value is None else json.dumps(value, ensure_ascii=False, default=str)
    return clip(text.replace("`", "'"), limit)


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic to another Discord-compatible server.

    discord.py keeps both as class attributes (REST for interactions' webhooks too), so this is
    process-wide; the bot calls it before logging in.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


#: A feature package's ``LOAD_ORDER`` when it sets none.
DEFAULT_LOAD_ORDER = 100


def discover_extensions() -> list[str]:
    """Every feature package under ``cogs/`` that defines ``setup``, by its ``LOAD_ORDER``
    (lowest first; :data:`DEFAULT_LOAD_ORDER` when unset), then by name."""
    found = []
    for module in pkgutil.iter_modules(cogs.__path__, prefix="cogs."):
        package = importlib.import_module(module.name) if module.ispkg else None
        if package is not None and hasattr(package, "setup"):
            found.append((getattr(package, "LOAD_ORDER", DEFAULT_LOAD_ORDER), module.name))
    return [name for _, name in sorted(found)]


class CompanionBot(commands.Bot):
    def __init__(
        self,
        services: Services,
        *,
        extensions: Sequence[str] | None = None,
        guild_ready_timeout: float = 2.0,
        reidentify_delay: float = 5.0,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        if services.config.discord.auto_answer_channel_ids:
            # Auto-answer reads viewers' messages: the only feature that needs message content.
            intents.guild_messages = True
            intents.message_content = True
        # The bot never joins voice: discord.py's warnings about missing voice libraries are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        options: dict[str, Any] = {}
        trace = services.metrics.http_trace()
        if trace is not None:
            # Counts the messages Discord accepted (no hook at all while metrics are off).
            options["http_trace"] = trace
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            tree_cls=CompanionTree,
            guild_ready_timeout=guild_ready_timeout,
            **options,
            # No feature reads discord.py's message cache (auto-answer handles the gateway event
            # itself), so viewers' messages in watched channels are not kept in memory.
            max_messages=None,
        )
        self.services = services
        self.extension_names = list(extensions) if extensions is not None else None
        self.reidentify_delay = reidentify_delay
        self.started_at = services.clock.now()
        self.version = __version__
        self.admin_group = ModeratorGroup(
            name=discord.app_commands.locale_str("admin", key="cmd.admin.name"),
            description=discord.app_commands.locale_str(
                "Event moderator tools", key="cmd.admin.description"
            ),
        )
        #: Fire-and-forget work of the core (audit posts), kept and accounted for.
        self.background = BackgroundTasks("core", log)
        #: Set at each READY; the features load at the first.
        self._connected = asyncio.Event()
        #: Set once every feature is loaded (see setup_hook).
        self._started = asyncio.Event()
        #: Interactions that arrived between READY and the features being loaded, in order
        #: (``None``: not holding any more).
        self._held_interactions: list[Any] | None = []
        #: Held interactions are handled after this long even if a feature is still loading
        #: (Discord waits 3 s for an answer): the loaded features answer theirs.
        self.hold_limit = 2.0
        #: Loads the features once the gateway is READY, then syncs the commands (see setup_hook).
        self.startup: asyncio.Task[None] | None = None
        self.notices = ModeratorNotices(self)
        #: Every message the bot starts on its own is posted through this, exactly once.
        self.outbox = Outbox(self, services.store, services.clock)
        self.gateway_watch = GatewayWatch(services.clock)
        self.storage_watch = StorageWatch(self)
        self._ops_server: OpsServer | None = None
        services.metrics.observe(self)
        self._parse_interaction = self._hold_interactions_until_started()

    async def setup_hook(self) -> None:
        """The core, before the gateway connects; the features load once READY has arrived.

        Discord hands a bot interactions only while it is connected, and not before READY: every
        moment start-up spends before READY is a moment in which a viewer's command fails. So the
        core connects first and the features (their modules, stores, plans and caches: most of
        start-up) load right after READY. An interaction arriving meanwhile is held and handled,
        in order, as soon as they are loaded (a few hundred milliseconds at most; Discord allows
        3 s), and a reminder that fell due while the bot was down is posted then.
        """
        await self.services.store.migrate()
        await self.tree.set_translator(CatalogTranslator(self.services.catalog))
        self.tree.add_command(self.admin_group)
        # Posts a crash cut short: carried on (or found in history) while start-up goes on.
        self.outbox.start_recovery()
        self.storage_watch.start()
        await self._start_ops_endpoint()
        self.startup = asyncio.create_task(self._start_when_connected(), name="startup")

    async def wait_until_connected(self) -> None:
        """Until the gateway's first READY (``wait_until_ready`` also waits for the servers,
        up to ``guild_ready_timeout`` later). For start-up work that should not delay READY."""
        await self._connected.wait()

    @property
    def started(self) -> bool:
        """Whether every feature is loaded (right after the first READY; ``startup`` does it)."""
        return self._started.is_set()

    async def _start_when_connected(self) -> None:
        await self.wait_until_connected()
        began = time.perf_counter()
        limit = asyncio.get_running_loop().call_later(
            self.hold_limit, self._release_held_interactions
        )
        try:
            # Running before the features plan their jobs: a job due now (a reminder missed while
            # the bot was down) runs as soon as its feature has planned it.
            if not self.services.scheduler.running:
                self.services.scheduler.start()
            for name in self.extension_names or discover_extensions():
                try:
                    await self.load_extension(name)
                except commands.ExtensionError:
                    # The day matters more than one feature: the others run, loudly without it.
                    log.exception("the feature %s failed to load; running without it", name)
        finally:
            limit.cancel()  # also when closing cuts the loading short
        self._started.set()
        log.info("features loaded in %.2f s", time.perf_counter() - began)
        self._release_held_interactions()
        # The commands of the last start are already live at Discord: comparing (and, when they
        # changed, syncing) comes last.
        try:
            await self.sync_commands_if_changed()
        except Exception:
            log.exception("comparing or syncing application commands failed")

    def _hold_interactions_until_started(self) -> Callable[[Any], None]:
        """Route INTERACTION_CREATE through a hold while the features load.

        discord.py parses every gateway event through ``ConnectionState.parsers``; wrapping the
        one for interactions covers slash commands, autocomplete, buttons and modals alike.
        """
        parsers = self._connection.parsers
        parse = parsers["INTERACTION_CREATE"]

        def hold_or_parse(data: Any) -> None:
            if self._held_interactions is None:
                parse(data)
            else:
                self._held_interactions.append(data)

        parsers["INTERACTION_CREATE"] = hold_or_parse
        return parse

    def _release_held_interactions(self) -> None:
        held, self._held_interactions = self._held_interactions or [], None
        if not self._started.is_set():
            log.error(
                "features still loading after %.1f s: handling interactions now", self.hold_limit
            )
        if held:
            log.info("handling %d interaction(s) that arrived while the features loaded", len(held))
        for data in held:
            self._parse_interaction(data)

    async def _start_ops_endpoint(self) -> None:
        endpoint = http_endpoint(self.services.config, self.services.settings)
        if endpoint is None:
            return
        from bot.ops.server import OpsServer  # aiohttp.web only when the endpoint is on

        server = OpsServer(self, *endpoint)
        try:
            await server.start()
        except OSError as error:
            # The day matters more than the probe: run on, loudly, without the endpoint.
            log.error("health endpoint could not listen on %s:%s: %s", *endpoint, error)
            return
        self._ops_server = server

    async def add_cog(self, cog: commands.Cog, /, **kwargs: Any) -> None:
        """Add a cog; the app commands it lists in ``admin_commands`` go under ``/admin``.

        They are taken out of the cog's own list before discord.py adds it, so an admin subcommand
        may share its name with a viewer command (``/faq`` and ``/admin faq``).
        """
        admin = [getattr(cog, attribute) for attribute in getattr(cog, "admin_commands", ())]
        if admin:
            cog.__cog_app_commands__ = [
                command
                for command in cog.__cog_app_commands__
                if not any(command is moved for moved in admin)
            ]
        await super().add_cog(cog, **kwargs)
        for command in admin:
            self.admin_group.add_command(command)

    async def remove_cog(self, name: str, /, **kwargs: Any) -> commands.Cog | None:
        cog = self.get_cog(name)
        for attribute in getattr(cog, "admin_commands", ()):
            self.admin_group.remove_command(getattr(cog, attribute).name)
        return await super().remove_cog(name, **kwargs)

    async def audit(
        self,
        interaction: discord.Interaction[Any],
        action: str,
        *,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record an admin action and, when the server has an audit channel, post it there.

        The record is written at once; the post goes out in the background, so a slow or
        rate-limited audit channel never delays the moderator's reply past Discord's 3 s.
        """
        guild_id = interaction.guild_id or 0
        services = self.services
        await services.store.audit(
            guild_id=guild_id,
            user_id=interaction.user.id,
            action=action,
            before=before,
            after=after,
            at=services.clock.now(),
        )
        settings = await services.guild(guild_id)
        channel = self.get_channel(settings.audit_channel_id) if settings.audit_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            return
        text = services.t(
            "audit.entry",
            settings.locale,
            user=interaction.user.mention,
            action=action,
            before=_short(before),
            after=_short(after),
        )
        self.background.spawn(self._post_audit(channel, text), f"audit post {action}")

    async def _post_audit(self, channel: discord.TextChannel, text: str) -> None:
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not post to the audit channel %s: %s", channel.id, error)

    async def command_payload_hash(self) -> str:
        translator = self.tree.translator
        assert translator is not None
        payload = [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands()
        ]
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands_if_changed(self, *, force: bool = False) -> bool:
        """Sync application commands only when their translated payload changed since last time."""
        digest = await self.command_payload_hash()
        key = f"{COMMAND_HASH_KEY}:{self.application_id}"
        stored = await self.services.store.get_setting(key)
        if stored == digest and not force:
            log.info("application commands unchanged: no sync")
            return False
        try:
            synced = await self.tree.sync()
        except discord.HTTPException:
            log.exception("syncing application commands failed; will retry on next start")
            return False
        await self.services.store.set_setting(key, digest)
        log.info("synced %d application commands", len(synced))
        return True

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s before re-identifying to respect the identify rate limit; keep that
        # against real Discord but let tests and the rehearsal shorten it.
        if not initial and self.reidentify_delay:
            await asyncio.sleep(self.reidentify_delay)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s)", self.user, len(self.guilds))

    # -- gateway and command bookkeeping for /healthz and /metrics ----------------------------------

    async def on_connect(self) -> None:
        self.gateway_watch.up(resumed=False)  # READY: a new session
        self._connected.set()

    async def on_resumed(self) -> None:
        self.gateway_watch.up(resumed=True)
        log.info("gateway session resumed")

    async def on_disconnect(self) -> None:
        self.gateway_watch.down()

    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: Any
    ) -> None:
        self.services.metrics.interaction(
            command.qualified_name, "ok", interaction_seconds(interaction)
        )

    async def close(self) -> None:
        log.info("shutting down")
        if self.startup is not None and not self.startup.done():
            self.startup.cancel()
        await self.outbox.close()
        if self._ops_server is not None:
            await self._ops_server.stop()
            self._ops_server = None
        await self.storage_watch.stop()
        if pending := self.background.pending():
            # Let audit posts in flight finish (briefly): they record what moderators did.
            await asyncio.wait(pending, timeout=1.0)
        try:
            await super().close()
        finally:
            self.services.shutdown_scheduler()
            if self.services.http is not None and not self.services.http.closed:
                await self.services.http.close()
            await self.services.store.close()
            log.info("shut down cleanly")
