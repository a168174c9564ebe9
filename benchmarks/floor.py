"""How far `ccei-bot run` is from a bare discord.py bot (issue 10), measured side by side.

Each round starts the floor (benchmarks/floor_bot.py: guilds intent, /faq /schedule /next answering
a fixed string) and the real bot (`python -m bot run` with the shipped config) as real processes, one
after the other, each against its own in-process Discord stand-in; the real bot's YouTube is an
in-process YouTube stand-in showing the event's stream live, so the relay polls as on the day. Then
both answer their calls in turns of 50, and rounds alternate which bot goes first, so load from other
work on the machine falls on both. Prints each bot's median over the rounds and the median of the
rounds' ratios for:

- process spawn → the stand-in sends READY (same moment for both bots), and the CPU seconds the
  process used by then;
- resident memory (VmRSS) 3 s after READY and after 1,000 interactions (500 /faq + 500 /schedule);
- /faq, /schedule, /next p99 over N calls each (default 500): the stand-in writes INTERACTION_CREATE →
  the bot's callback request arrives (one call at a time, each from another viewer);
- CPU seconds (utime + stime of the process) per 1,000 interactions;
- in a second process: event-loop lag p99 while 200 viewers each send /faq and /schedule within 10 s
  and the relay polls every 2 s (measured inside the bot by the opt-in probe, CCEI_LAG_PROBE), with
  what a full garbage collection walks at the end;
- real bot only: after a kill -9 just before a reminder is due, the restart's READY and the late
  reminder's post;
- the import time and memory of the heaviest packages on the start-up path.

The event is moved to today (date, a fixed-offset time zone and the program shifted together) so
that "now" is 14:20 of the event day: the talk concert is on, the stream is live, reminders are ahead.
Nothing else of the shipped config changes except the stand-in's server, channel and role ids.

    python benchmarks/floor.py              # 3 rounds, a few minutes
    python benchmarks/floor.py --rounds 5 --json results.json
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import compileall
import contextlib
import dataclasses
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bot.lagprobe import percentile
from bot.rehearsal.discord_standin import DiscordStandIn, StandInUser
from bot.rehearsal.youtube_standin import YouTubeStandIn

ROOT = Path(__file__).resolve().parents[1]
FLOOR_BOT = ROOT / "benchmarks" / "floor_bot.py"
SHIPPED = ROOT / "config"

FLOOR, CCEI = "floor", "ccei-bot"
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
#: Event-local time that "now" maps to in the main runs: the talk concert is on, the stream is live.
NOW_IN_EVENT = clock_time(14, 20)
#: The reminder the kill -9 run waits for: 10 minutes before the results session (15:10).
DUE_IN_EVENT = clock_time(15, 0)
#: Real seconds from spawning the doomed process to that reminder falling due.
KILL_LEAD = 8.0
VIDEO_ID = "floorbench01"
QUESTIONS = {
    "ko": ["행사는 언제 열리나요?", "장소가 어디예요?", "유튜브 링크 있나요?", "다시보기 있어요?"],
    "en-US": [
        "When is the event?",
        "Where is the venue?",
        "How can I watch online?",
        "Will there be a replay?",
    ],
}
TICK = os.sysconf("SC_CLK_TCK")


# -- the process -------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    # Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def event_zone(hour_wanted: int, now: datetime) -> tuple[str, timezone]:
    """A fixed-offset zone where it is ``hour_wanted`` o'clock at ``now``, so the shifted program
    never crosses midnight."""
    offset = (hour_wanted - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    # Etc/GMT zones have POSIX signs: Etc/GMT-9 is UTC+9.
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return name, timezone(timedelta(hours=offset))


def write_config(
    directory: Path,
    standin: DiscordStandIn,
    *,
    event_time: clock_time,
    at: datetime,
    poll_active: str | None = None,
) -> Path:
    """The shipped config, moved so that event-local ``event_time`` is the instant ``at``, with the
    stand-in's ids in ``[discord]``."""
    zone_name, zone = event_zone(event_time.hour, at)
    local = at.astimezone(zone)
    day: date = local.date()
    shift = local.replace(tzinfo=None) - datetime.combine(day, event_time)
    text = (SHIPPED / "event.toml").read_text("utf-8")

    def sub(pattern: str, replace: str | Callable[[re.Match[str]], str], count: int = 1) -> None:
        nonlocal text
        text, made = re.subn(pattern, replace, text, count=count, flags=re.MULTILINE)
        if not made:
            raise RuntimeError(f"shipped config has no line matching {pattern!r}")

    def moved(match: re.Match[str]) -> str:
        wall = datetime.combine(day, clock_time(int(match[2]), int(match[3]))) + shift
        if wall.date() != day:
            raise RuntimeError("the shifted program crosses midnight")
        return f'{match[1]} = "{wall:%H:%M:%S}"'

    sub(r'^date = "[^"]*"', f'date = "{day.isoformat()}"')
    sub(r'^timezone = "[^"]*"', f'timezone = "{zone_name}"')
    sub(r'^(start|end) = "(\d\d):(\d\d)"', moved, count=0)
    ids = {
        "guild_id": standin.guild_id,
        "announce_channel_id": standin.channels["announce"],
        "qna_channel_id": standin.channels["qna"],
        "audit_channel_id": standin.channels["audit"],
        "reminder_role_id": standin.roles["reminder"],
        "moderator_role_id": standin.roles["moderator"],
    }
    for key, value in ids.items():
        sub(rf"^{key} = 0$", f"{key} = {value}")
    if poll_active is not None:
        sub(r'^poll_active = "[^"]*"', f'poll_active = "{poll_active}"')
    (directory / "event.toml").write_text(text, "utf-8")
    (directory / "faq.toml").write_text((SHIPPED / "faq.toml").read_text("utf-8"), "utf-8")
    return directory / "event.toml"


@dataclass
class Running:
    kind: str
    process: asyncio.subprocess.Process
    spawned: float  # time.monotonic()
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def terminate(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return await asyncio.wait_for(self.process.wait(), timeout=20)
            except TimeoutError:
                self.process.kill()
        return await self.process.wait()

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


async def spawn(
    kind: str,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    workdir: Path,
    *,
    config: Path | None = None,
    data_dir: Path | None = None,
    lag_file: Path | None = None,
    log_name: str = "bot.log",
) -> Running:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "CCEI_", "YOUTUBE_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DISCORD_TOKEN=standin.token,
        DISCORD_API_BASE=standin.rest_base,
        DISCORD_GATEWAY_URL=standin.gateway_url,
    )
    if lag_file is not None:
        env["CCEI_LAG_PROBE"] = str(lag_file)
    if kind == FLOOR:
        command = [sys.executable, str(FLOOR_BOT)]
    else:
        assert config is not None
        assert data_dir is not None
        env.update(
            CCEI_CONFIG=str(config),
            YOUTUBE_API_KEY=youtube.api_key,
            YOUTUBE_API_BASE=youtube.api_base,
            YOUTUBE_FEED_BASE=youtube.feed_base,
        )
        command = [sys.executable, "-m", "bot", "run", "--data-dir", str(data_dir)]
    log = workdir / log_name
    with log.open("ab") as out:
        spawned = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=env, stdout=out, stderr=out
        )
    return Running(kind, process, spawned, log)


async def ready_after(standin: DiscordStandIn, running: Running, start: int) -> float:
    """Seconds from spawning ``running`` to the stand-in writing READY to it."""
    after = dataclasses.replace(standin.cursor(), gateway_sent=start)
    frame = await standin.wait_for_gateway_event(
        event="READY", direction="sent", after=after, timeout=60
    )
    return frame.timestamp - running.spawned


# -- interactions ------------------------------------------------------------------------------------


def add_viewers(standin: DiscordStandIn, count: int, *, first: int = 0) -> list[str]:
    names = []
    for index in range(first, first + count):
        name = f"viewer{index}"
        locale = "ko" if index % 2 == 0 else "en-US"
        user = StandInUser(standin.guild_id + 5000 + index, name, f"Viewer {index}", locale=locale)
        standin.world.add_user(name, user)
        standin.world.add_member(standin.guild_id, user.id, [])
        names.append(name)
    return names


def question_for(index: int) -> tuple[str, str]:
    locale = "ko" if index % 2 == 0 else "en-US"
    options = QUESTIONS[locale]
    return locale, options[(index // 2) % len(options)]


async def interact(standin: DiscordStandIn, user: str, index: int, command: str) -> int:
    """``user`` runs ``/command``; returns the interaction id once the bot answered (or gave up)."""
    locale, question = question_for(index)
    options = {"question": question} if command == "faq" else None
    handle = await standin.slash(user, name=command, options=options, locale=locale)
    with contextlib.suppress(TimeoutError):
        await handle.response(timeout=15)
    return handle.id


async def dispatch_to_callback(
    standin: DiscordStandIn, start_frames: int, start_requests: int, ids: Sequence[int]
) -> list[float]:
    """Seconds from the stand-in writing each INTERACTION_CREATE to the bot's callback arriving
    (answered interactions only)."""
    wanted = set(ids)

    def callbacks() -> dict[int, float]:
        found = {}
        for request in standin.requests[start_requests:]:
            if request.route == CALLBACK_ROUTE and request.status < 400:
                found[int(request.path.split("/")[2])] = request.timestamp
        return found

    answered = {i for i in wanted if standin.interactions.records[i].callback is not None}
    # A callback is recorded once its handler returns; wait for the ones already answered.
    await standin.recorder.wait_until(
        lambda: True if answered <= callbacks().keys() else None, 10, lambda: "callbacks"
    )
    arrived = callbacks()
    sent = {
        int(frame.data["id"]): frame.timestamp
        for frame in standin.gateway_events_sent[start_frames:]
        if frame.event == "INTERACTION_CREATE" and int(frame.data["id"]) in wanted
    }
    return [arrived[i] - sent[i] for i in wanted if i in arrived and i in sent]


async def sequential(
    standin: DiscordStandIn, users: Sequence[str], command: str
) -> tuple[list[float], int]:
    cursor = standin.cursor()
    ids = [await interact(standin, user, index, command) for index, user in enumerate(users)]
    latencies = await dispatch_to_callback(standin, cursor.gateway_sent, cursor.requests, ids)
    return latencies, len(ids)


# -- one bot, one round ------------------------------------------------------------------------------


@dataclass
class Stands:
    standin: DiscordStandIn
    youtube: YouTubeStandIn
    workdir: Path


@contextlib.asynccontextmanager
async def stands(*, stream_live: bool = True) -> Any:
    async with DiscordStandIn() as standin, YouTubeStandIn() as youtube:
        feeder = None
        if stream_live:
            started = datetime.now(UTC) - timedelta(minutes=80)
            youtube.schedule(VIDEO_ID, "2022 창조경제혁신센터 공동 오픈이노베이션", started)
            youtube.go_live(VIDEO_ID, started)
            feeder = asyncio.create_task(_audience(youtube))
        with tempfile.TemporaryDirectory(prefix="floor-") as workdir:
            try:
                yield Stands(standin, youtube, Path(workdir))
            finally:
                if feeder is not None:
                    feeder.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await feeder


async def _audience(youtube: YouTubeStandIn) -> None:
    """A viewer count that moves, as on the day (the relay edits its post when it changes)."""
    viewers = 850
    rng = random.Random(10)
    while True:
        youtube.set_viewers(VIDEO_ID, viewers)
        viewers = max(100, viewers + rng.randint(-30, 30))
        await asyncio.sleep(5)


def _ccei_files(stand: Stands, *, poll_active: str | None = None) -> dict[str, Path]:
    config = write_config(
        stand.workdir,
        stand.standin,
        event_time=NOW_IN_EVENT,
        at=datetime.now(UTC),
        poll_active=poll_active,
    )
    return {"config": config, "data_dir": stand.workdir / "data"}


COMMANDS = ("faq", "schedule", "next")


@dataclass
class Measured:
    """One bot of a paired run: its process and what was measured of it."""

    stand: Stands
    running: Running
    users: list[str] = dataclasses.field(default_factory=list)
    figures: dict[str, float] = dataclasses.field(default_factory=dict)
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, float] = dataclasses.field(default_factory=lambda: defaultdict(float))
    sent: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))


async def main_pair(order: Sequence[str], calls: int, batch: int) -> dict[str, dict[str, float]]:
    """Both bots, each started alone (the other one idle): start → READY and memory; then their
    /faq, /schedule and /next calls interleaved ``batch`` at a time, so that load from the rest of
    the machine falls on both alike; p99 of each command, CPU per 1,000 interactions, memory."""
    bots: dict[str, Measured] = {}
    async with contextlib.AsyncExitStack() as stack:
        try:
            for kind in order:
                stand = await stack.enter_async_context(stands())
                files = _ccei_files(stand) if kind == CCEI else {}
                start = len(stand.standin.gateway_events_sent)
                running = await spawn(kind, stand.standin, stand.youtube, stand.workdir, **files)
                bot = bots[kind] = Measured(stand, running)
                ready = await ready_after(stand.standin, running, start)
                # CPU is steadier than wall time on a shared machine (other processes' load
                # falls on the wall clock, much less on the process's own CPU seconds).
                bot.figures.update(ready_s=ready, ready_cpu_s=cpu_seconds(running.pid))
                # What a viewer sees: a command sent the moment READY is in (the companion holds
                # it until its features are loaded), answered at ...
                first = await stand.standin.slash("member", name="next", locale="en-US")
                with contextlib.suppress(TimeoutError):
                    await first.response(timeout=15)
                answered = [
                    r.timestamp
                    for r in stand.standin.requests
                    if r.route == CALLBACK_ROUTE and r.path.split("/")[2] == str(first.id)
                ]
                if answered:
                    bot.figures["first_answer_s"] = answered[0] - running.spawned
                bot.users = add_viewers(stand.standin, calls)
                await asyncio.sleep(max(0.0, running.spawned + ready + 3.0 - time.monotonic()))
                bot.figures["rss_ready_mb"] = rss_mb(running.pid)
            for command in COMMANDS:
                for first in range(0, calls, batch):
                    for kind in order:
                        bot = bots[kind]
                        before = cpu_seconds(bot.running.pid)
                        users = bot.users[first : first + batch]
                        latencies, sent = await sequential(bot.stand.standin, users, command)
                        bot.cpu[command] += cpu_seconds(bot.running.pid) - before
                        bot.latencies[command] += latencies
                        bot.sent[command] += sent
                if command == "schedule":
                    for bot in bots.values():
                        bot.figures["rss_1000_mb"] = rss_mb(bot.running.pid)
        except Exception:
            for kind, bot in bots.items():
                sys.stderr.write(f"--- {kind} log ---\n{bot.running.log_tail()}\n")
            raise
        finally:
            for kind, bot in bots.items():
                code = await bot.running.terminate()
                if code != 0:
                    sys.stderr.write(f"warning: {kind} exited with {code}\n")
    for bot in bots.values():
        interactions = bot.sent["faq"] + bot.sent["schedule"]
        bot.figures.update(
            {
                f"{command}_p99_ms": percentile(bot.latencies[command], 99) * 1000
                for command in COMMANDS
            }
        )
        bot.figures.update(
            {
                f"cpu_{command}_ms": bot.cpu[command] * 1000 / bot.sent[command]
                for command in COMMANDS
            }
        )
        bot.figures["cpu_per_1000_s"] = (bot.cpu["faq"] + bot.cpu["schedule"]) * 1000 / interactions
        bot.figures["unanswered"] = float(
            sum(bot.sent.values()) - sum(len(bot.latencies[command]) for command in COMMANDS)
        )
    return {kind: bot.figures for kind, bot in bots.items()}


async def lag_run(kind: str, viewers: int, window: float) -> dict[str, Any]:
    """``viewers`` viewers each send /faq and /schedule at random moments within ``window`` seconds
    while the relay polls every 2 s; the lag probe inside the bot reports the loop's lateness."""
    async with stands() as stand:
        standin = stand.standin
        files = _ccei_files(stand, poll_active="2s") if kind == CCEI else {}
        lag_file = stand.workdir / "lag.json"
        start = len(standin.gateway_events_sent)
        running = await spawn(
            kind, standin, stand.youtube, stand.workdir, lag_file=lag_file, **files
        )
        try:
            ready = await ready_after(standin, running, start)
            users = add_viewers(standin, viewers)
            await asyncio.sleep(max(0.0, running.spawned + ready + 3.0 - time.monotonic()))
            rng = random.Random(200)
            cursor = standin.cursor()
            began = time.monotonic()

            async def one(index: int, user: str, command: str) -> int:
                await asyncio.sleep(rng.uniform(0, window))
                return await interact(standin, user, index, command)

            ids = await asyncio.gather(
                *(
                    one(index, user, command)
                    for index, user in enumerate(users)
                    for command in ("faq", "schedule")
                )
            )
            ended = time.monotonic()
            latencies = await dispatch_to_callback(
                standin, cursor.gateway_sent, cursor.requests, ids
            )
        except Exception:
            sys.stderr.write(f"--- {kind} log ---\n{running.log_tail()}\n")
            raise
        finally:
            code = await running.terminate()
        if code != 0 or not lag_file.exists():
            raise RuntimeError(f"{kind} wrote no lag report (exit {code})\n{running.log_tail()}")
        report = json.loads(lag_file.read_text("utf-8"))
        lags = [lag for at, lag in report["samples"] if began <= at <= ended]
        return {
            "lag_p99_ms": percentile(lags, 99) * 1000,
            "lag_max_ms": max(lags, default=float("nan")) * 1000,
            "burst_p99_ms": percentile(latencies, 99) * 1000,
            "burst_answered": float(len(latencies)),
            "burst_sent": float(len(ids)),
            "gc_tracked": float(report["gc_tracked"]),
            "gc_frozen": float(report["gc_frozen"]),
            "full_gc_ms": report["full_gc_seconds"] * 1000,
            "modules": float(report["modules"]),
            "packages": report["packages"],
        }


def is_reminder(message: dict[str, Any]) -> bool:
    """A reminder post: sent through the outbox (a nonce), its footer ending in "알림" / "reminder"
    and the outbox's marker (cogs/schedule)."""
    footers = [str((e.get("footer") or {}).get("text", "")) for e in message.get("embeds") or []]
    marked = re.compile(r" · (알림|reminder) · [a-z2-7]{6}$")
    return bool(message.get("nonce")) and any(marked.search(footer) for footer in footers)


async def kill_run() -> dict[str, float]:
    """kill -9 just before a reminder is due, restart after it fell due: READY and the late post."""
    async with stands() as stand:
        standin = stand.standin
        # Program times are whole seconds: make the due instant one too.
        due_wall = (datetime.now(UTC) + timedelta(seconds=KILL_LEAD + 1)).replace(microsecond=0)
        due = time.monotonic() + (due_wall - datetime.now(UTC)).total_seconds()
        config = write_config(stand.workdir, standin, event_time=DUE_IN_EVENT, at=due_wall)
        data_dir = stand.workdir / "data"
        announce = standin.channels["announce"]

        def reminders(after: int) -> list[Any]:
            return [
                event
                for event in standin.message_log[after:]
                if event.kind == "create"
                and event.channel_id == announce
                and is_reminder(event.message)
            ]

        doomed = await spawn(
            CCEI, standin, stand.youtube, stand.workdir, config=config, data_dir=data_dir,
            log_name="doomed.log",
        )  # fmt: skip
        try:
            await ready_after(standin, doomed, 0)
            if time.monotonic() > due - 0.5:
                raise RuntimeError(f"the bot took longer than {KILL_LEAD - 0.5} s to start")
            await asyncio.sleep(due - 0.3 - time.monotonic())
        finally:
            await doomed.kill()
        early = reminders(0)
        await asyncio.sleep(max(0.0, due + 0.5 - time.monotonic()))
        cursor = standin.cursor()
        restarted = await spawn(
            CCEI, standin, stand.youtube, stand.workdir, config=config, data_dir=data_dir,
            log_name="restarted.log",
        )  # fmt: skip
        try:
            ready = await ready_after(standin, restarted, cursor.gateway_sent)
            posted = await standin.recorder.wait_until(
                lambda: (reminders(cursor.messages) or [None])[0],
                30,
                lambda: "the late reminder after the restart",
            )
        except Exception:
            sys.stderr.write(f"--- restarted log ---\n{restarted.log_tail()}\n")
            raise
        finally:
            await restarted.terminate()
        post = posted.timestamp - restarted.spawned
        return {
            "restart_ready_s": ready,
            "restart_post_s": post,
            "ready_to_post_s": post - ready,
            "posted_before_kill": float(len(early)),
        }


# -- imports -----------------------------------------------------------------------------------------


def setup_imports(package: str) -> list[str]:
    """The feature package and the modules its ``setup()`` imports (a feature's ``__init__`` only
    holds ``setup``, which imports the cogs when the bot loads it)."""
    path = ROOT.joinpath(*package.split(".")) / "__init__.py"
    found = [package]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "setup":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    base = inner.module if not inner.level else f"{package}.{inner.module}"
                    found.append(base)
                elif isinstance(inner, ast.Import):
                    found.extend(alias.name for alias in inner.names)
    return list(dict.fromkeys(found))


def startup_modules() -> list[str]:
    """What ``ccei-bot run`` imports before READY: the CLI, the core and every feature's setup."""
    cogs = sorted(p.name for p in (ROOT / "cogs").iterdir() if (p / "__init__.py").is_file())
    return ["bot.cli", "bot.lifecycle", *(f"cogs.{name}" for name in cogs)]


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")
_RSS = (
    "def rss():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024\n"
)


def _importtime(code: str) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, depth, module) for every import ``code`` makes."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stderr  # fmt: skip
    rows = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            rows.append((int(match[1]), int(match[2]), len(match[3]), match[4]))
    return rows


def _rss_after(baseline: str, modules: Sequence[str]) -> float:
    """MB of resident memory that importing ``modules`` adds after ``baseline`` ran."""
    probe = (
        f"import importlib\n{_RSS}{baseline}\nbefore = rss()\n"
        f"for m in {list(modules)!r}:\n"
        "    try: importlib.import_module(m)\n"
        "    except Exception: pass\n"
        "print(rss() - before)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout  # fmt: skip
    return float(out.strip() or "nan")


FLOOR_IMPORTS = "import discord, discord.app_commands"


def _cpu_split() -> dict[str, float]:
    """CPU seconds (steadier than wall time on a busy machine) to import, in one interpreter and
    in this order: the floor's discord.py, then the core on top, then each cog on top of that."""
    steps = [("floor", FLOOR_IMPORTS), ("core", "import bot.cli, bot.lifecycle")]
    steps += [(name, "import " + ", ".join(setup_imports(name))) for name in startup_modules()[2:]]
    code = "import json, time\nout = {}\n" + "".join(
        f"started = time.process_time()\n{statement}\n"
        f"out[{name!r}] = time.process_time() - started\n"
        for name, statement in steps
    )
    out = subprocess.run(
        [sys.executable, "-c", code + "print(json.dumps(out))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout  # fmt: skip
    return {name: float(value) for name, value in json.loads(out).items()}


def import_profile(top: int, runs: int) -> dict[str, Any]:
    """Where the start-up path's import time goes (medians of ``runs`` fresh interpreters).

    Per package: the self time of all its modules (so a package's dependencies count for
    themselves), the memory it takes imported alone in a fresh interpreter (with its
    dependencies), and what it adds to a process that already imported discord.py (the floor).
    Also the CPU time of the floor's imports and what the core and each cog add to it."""
    modules = startup_modules()
    # Import statements, not importlib.import_module: -X importtime skips the outermost module
    # of the latter.
    code = "\n".join(
        f"import {module}"
        for name in modules
        for module in (setup_imports(name) if name.startswith("cogs.") else [name])
    )
    by_package: dict[str, list[float]] = defaultdict(list)
    members: dict[str, set[str]] = defaultdict(set)
    cpu: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        seconds: dict[str, float] = defaultdict(float)
        for self_us, _, _, module in _importtime(code):
            root = module.split(".")[0]
            seconds[root] += self_us / 1e6
            members[root].add(module)
        for root, value in seconds.items():
            by_package[root].append(value)
        for name, value in _cpu_split().items():
            cpu[name].append(value)
    heaviest = sorted(by_package, key=lambda root: -statistics.median(by_package[root]))[:top]
    rows = []
    for root in heaviest:
        wanted = sorted(members[root])
        rows.append(
            {
                "package": root,
                "import_s": statistics.median(by_package[root]),
                "rss_alone_mb": _rss_after("", wanted),
                "rss_over_floor_mb": _rss_after(FLOOR_IMPORTS, wanted),
            }
        )
    return {
        "cpu_s": {name: statistics.median(values) for name, values in cpu.items()},
        "packages": rows,
    }


# -- report ------------------------------------------------------------------------------------------

FIGURES: list[tuple[str, str, str]] = [
    ("ready_s", "process spawn → READY", "s"),
    ("ready_cpu_s", "  CPU s of the process by READY", "s"),
    ("first_answer_s", "spawn → first command answered (sent at READY)", "s"),
    ("rss_ready_mb", "RSS 3 s after READY", "MB"),
    ("rss_1000_mb", "RSS after 1,000 interactions", "MB"),
    ("faq_p99_ms", "/faq p99, dispatch → callback", "ms"),
    ("schedule_p99_ms", "/schedule p99", "ms"),
    ("next_p99_ms", "/next p99", "ms"),
    ("cpu_per_1000_s", "CPU s per 1,000 interactions", "s"),
    ("cpu_faq_ms", "  of which CPU per /faq", "ms"),
    ("cpu_schedule_ms", "  CPU per /schedule", "ms"),
    ("cpu_next_ms", "  CPU per /next", "ms"),
    ("lag_p99_ms", "loop lag p99 in the viewer burst", "ms"),
    ("burst_p99_ms", "/faq+/schedule p99 in the burst", "ms"),
    ("gc_tracked", "objects a full GC walks (end)", ""),
    ("full_gc_ms", "full GC time (end)", "ms"),
    ("modules", "modules imported (end)", ""),
]
GOALS = {
    "ready_s": 1.5,
    "ready_cpu_s": 1.5,
    "rss_ready_mb": 1.5,
    "rss_1000_mb": 1.5,
    "faq_p99_ms": 1.5,
    "schedule_p99_ms": 1.5,
    "cpu_per_1000_s": 1.5,
}


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def report(results: dict[str, list[dict[str, float]]], kills: list[dict[str, float]]) -> None:
    rounds = len(results[FLOOR])
    print(f"\nmedians of {rounds} interleaved rounds; ratio: median of the rounds' ratios [range]")
    print(f"{'figure':<36} {'floor':>9} {'ccei-bot':>9} {'ratio':>7}  {'range':<13} goal")
    for key, label, unit in FIGURES:
        floor = [r[key] for r in results[FLOOR] if key in r]
        ccei = [r[key] for r in results[CCEI] if key in r]
        if not floor or not ccei:
            continue
        # Each round pairs the two bots under the same load: the ratio is the median of the
        # rounds' ratios (not the ratio of the medians, which mixes rounds).
        ratios = [c / f for f, c in zip(floor, ccei, strict=True) if f]
        median_f, median_c = statistics.median(floor), statistics.median(ccei)
        ratio = statistics.median(ratios) if ratios else float("nan")
        spread = f"[{min(ratios):.1f}-{max(ratios):.1f}x]" if ratios else ""
        goal = f"<= {GOALS[key]}x" if key in GOALS else ""
        name = f"{label} ({unit})" if unit else label
        print(
            f"{name:<36} {_fmt(median_f):>9} {_fmt(median_c):>9} {ratio:>6.2f}x  {spread:<13} {goal}"
        )
    lost = sum(r.get("unanswered", 0) for rs in results.values() for r in rs)
    burst = [
        f"{kind} {int(r['burst_answered'])}/{int(r['burst_sent'])}"
        for kind, rs in results.items()
        for r in rs
    ]
    print(f"unanswered sequential calls: {int(lost)}; burst answered in time: {', '.join(burst)}")
    if kills:
        ready = statistics.median(k["restart_ready_s"] for k in kills)
        post = statistics.median(k["restart_post_s"] for k in kills)
        after = [k["ready_to_post_s"] for k in kills]
        early = sum(k["posted_before_kill"] for k in kills)
        print(
            f"kill -9 and restart (ccei-bot): spawn → READY {ready:.2f} s, spawn → late reminder "
            f"{post:.2f} s, READY → reminder median {statistics.median(after):.2f} s "
            f"(max {max(after):.2f} s; goal <= 1 s)"
            + (f"; WARNING: {int(early)} posted before the kill" if early else "")
        )


def print_imports(profile: dict[str, Any]) -> None:
    cpu = profile["cpu_s"]
    over = ", ".join(f"{name} +{value:.2f}" for name, value in cpu.items() if name != "floor")
    print(
        f"\nCPU s to import: the floor's discord.py {cpu['floor']:.2f}; on top of it: {over} "
        f"(ccei-bot in all {sum(cpu.values()):.2f}, {sum(cpu.values()) / cpu['floor']:.1f}x)"
    )
    print(f"{'package (wall s, self)':<24} {'import s':>9} {'MB alone':>9} {'MB over floor':>14}")
    for row in profile["packages"]:
        print(
            f"{row['package']:<24} {row['import_s']:>9.3f} {row['rss_alone_mb']:>9.1f} "
            f"{row['rss_over_floor_mb']:>14.1f}"
        )


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"load average {load[0]:.2f} at the start"
    )


@contextlib.contextmanager
def stage(what: str) -> Iterator[None]:
    started = time.perf_counter()
    sys.stdout.write(f"  {what} ...")
    sys.stdout.flush()
    yield
    sys.stdout.write(f" {time.perf_counter() - started:.0f} s\n")
    sys.stdout.flush()


def byte_compile() -> None:
    """Write the bytecode of bot/ and cogs/ as ``pip install .`` does when the image is built.

    Without it, wherever PYTHONDONTWRITEBYTECODE is set (this machine sets it) every start would
    compile the companion's ~150 modules from source: ~0.12 s of CPU that no deployed start pays
    and the floor, one small script, barely does."""
    for folder in ("bot", "cogs"):
        compileall.compile_dir(ROOT / folder, quiet=1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    host = machine()
    print(f"machine: {host}")
    byte_compile()
    results: dict[str, list[dict[str, float]]] = {FLOOR: [], CCEI: []}
    kills: list[dict[str, float]] = []
    packages: dict[str, list[str]] = {}
    for index in range(args.rounds):
        print(f"round {index + 1}/{args.rounds}")
        order = [FLOOR, CCEI] if index % 2 == 0 else [CCEI, FLOOR]
        figures: dict[str, dict[str, Any]] = {FLOOR: {}, CCEI: {}}
        with stage(
            f"{' then '.join(order)}: start, memory; {args.calls} x /faq /schedule /next each, "
            f"{args.batch} at a time in turn"
        ):
            for kind, measured in (await main_pair(order, args.calls, args.batch)).items():
                figures[kind].update(measured)
        for kind in order:
            with stage(f"{kind}: {args.viewers} viewers in {args.window:g} s, relay every 2 s"):
                figures[kind].update(await lag_run(kind, args.viewers, args.window))
        with stage("ccei-bot: kill -9 before a reminder, restart"):
            kills.append(await kill_run())
        for kind in (FLOOR, CCEI):
            packages[kind] = figures[kind].pop("packages")
            results[kind].append(figures[kind])
    report(results, kills)
    extra = sorted(set(packages[CCEI]) - set(packages[FLOOR]) - {"bot", "cogs"})
    print(f"packages ccei-bot imports and the floor does not (by the end of the burst): {extra}")
    profile: dict[str, Any] = {}
    if args.imports:
        with stage(f"import profile, {args.import_runs} runs"):
            profile = import_profile(10, args.import_runs)
        print_imports(profile)
    return {
        "machine": host,
        "results": results,
        "kills": kills,
        "imports": profile,
        "packages": packages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=500, help="calls of each command per round")
    parser.add_argument(
        "--batch", type=int, default=50, help="calls one bot makes before the other's turn"
    )
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--window", type=float, default=10.0, help="seconds of the viewer burst")
    parser.add_argument("--no-imports", dest="imports", action="store_false")
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args()
    outcome = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps(outcome, indent=1), "utf-8")


if __name__ == "__main__":
    main()
