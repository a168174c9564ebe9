"""Storm: a compressed event day under crashes and Discord faults, counting what reached the channel.

The real bot runs as ``python -m bot run`` (a subprocess with its own temporary data directory)
against the local Discord and YouTube stand-ins, which run in this script's process. The config is
the event moved to "now": a few short sessions, reminders seconds apart, a live stream from the
first session to the last. Meanwhile the storm

- kills the bot with SIGKILL at random moments, some of them while a post is in flight (Discord has
  taken the POST, its answer is held back), and starts it again on the same data directory;
- breaks the gateway: resumable drops, non-resumable invalidations, reconnect requests;
- answers posts with bursts of 429s and 5xx, including a 503 or a dropped connection *after* the
  message was created (the ambiguous outcomes).

Then it counts, from the stand-in's own record of the channel: reminders expected / delivered /
duplicated / lost, and live posts (upcoming, live, summary) and edits. The exit code is 1 if
anything was lost or duplicated (``--check reminders``: only reminders count for the exit code,
the live posts are still printed). Every run prints its seed; ``--seed`` replays the same plan.

Usage::

    python benchmarks/storm.py --short          # about 45 s: 2 sessions, 3 kills
    python benchmarks/storm.py                  # about 3 min: 6 sessions, 12 kills
    python benchmarks/storm.py --kills 20 --seed 7 --keep /tmp/storm
    python benchmarks/storm.py --short --check reminders   # what .ci/run checks

Bot logs go to ``<data dir>/bot-<n>.log`` (kept with ``--keep``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.i18n import Catalog  # noqa: E402
from bot.rehearsal.discord_standin import Cursor, DiscordStandIn  # noqa: E402
from bot.rehearsal.discord_standin.rest import LostReply  # noqa: E402
from bot.rehearsal.youtube_standin import DEFAULT_HANDLE, YouTubeStandIn, play_stream  # noqa: E402

POST = "/channels/{channel_id}/messages"
VIDEO_ID = "storm000001"
STREAM_TITLE = "Storm stream"
#: Zones to try so that the compressed program stays within one local day.
ZONES = ("Asia/Seoul", "UTC", "America/Los_Angeles", "Pacific/Kiritimati")
#: How long after a SIGKILL the supervisor starts the bot again (systemd's RestartSec).
RESTART_DELAY = 0.5


@dataclass(frozen=True)
class Plan:
    sessions: int
    session_seconds: int
    gap_seconds: int
    offsets: tuple[int, ...]  # reminder offsets before each session, in seconds
    lead_seconds: int  # from launching the bot to the first reminder
    grace_seconds: int
    kills: int
    gateway_faults: int
    bursts: int
    tail_seconds: int  # after the program: time for the end-of-stream summary


SHORT = Plan(
    sessions=2,
    session_seconds=8,
    gap_seconds=2,
    offsets=(8, 0),
    lead_seconds=10,
    grace_seconds=40,
    kills=3,
    gateway_faults=2,
    bursts=3,
    tail_seconds=10,
)
FULL = Plan(
    sessions=6,
    session_seconds=20,
    gap_seconds=5,
    offsets=(15, 0),
    lead_seconds=12,
    grace_seconds=60,
    kills=12,
    gateway_faults=8,
    bursts=10,
    tail_seconds=15,
)


@dataclass(frozen=True)
class Session:
    id: str
    title: str
    start: datetime
    end: datetime


@dataclass
class Tally:
    """What the storm did and what the bot did about it."""

    kills: int = 0
    mid_post_kills: int = 0
    #: The bot exited without being killed (a crash of its own; the supervisor starts it again).
    exits: int = 0
    starts: int = 0
    ready_seconds: list[float] = field(default_factory=list)
    gateway: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


# -- the config -------------------------------------------------------------------------------------


def program(plan: Plan, first_reminder: datetime) -> list[Session]:
    start = first_reminder + timedelta(seconds=max(plan.offsets))
    sessions = []
    for index in range(plan.sessions):
        end = start + timedelta(seconds=plan.session_seconds)
        sessions.append(Session(f"s{index + 1}", f"Storm {index + 1}", start, end))
        start = end + timedelta(seconds=plan.gap_seconds)
    return sessions


def zone_for(sessions: list[Session]) -> ZoneInfo:
    for name in ZONES:
        zone = ZoneInfo(name)
        days = {s.start.astimezone(zone).date() for s in sessions}
        days |= {s.end.astimezone(zone).date() for s in sessions}
        if len(days) == 1:
            return zone
    raise SystemExit("storm: cannot fit the program into one day in any zone; try again")


def write_config(path: Path, plan: Plan, sessions: list[Session], standin: DiscordStandIn) -> None:
    zone = zone_for(sessions)
    day = sessions[0].start.astimezone(zone).date()
    lines = [
        "[event]",
        'name = { ko = "스톰 리허설", en = "Storm rehearsal" }',
        f'date = "{day.isoformat()}"',
        f'timezone = "{zone.key}"',
        'venue = { ko = "로컬", en = "Local" }',
        "",
    ]
    for session in sessions:
        lines += [
            "[[program]]",
            f'id = "{session.id}"',
            f'start = "{session.start.astimezone(zone):%H:%M:%S}"',
            f'end = "{session.end.astimezone(zone):%H:%M:%S}"',
            f'title = {{ ko = "{session.title}", en = "{session.title}" }}',
            "",
        ]
    before = ", ".join(f'"{offset}s"' for offset in plan.offsets)
    ids = standin.channels
    lines += [
        "[reminders]",
        f"before = [{before}]",
        f'grace = "{plan.grace_seconds}s"',
        "",
        "[youtube]",
        f'channel = "{DEFAULT_HANDLE}"',
        'poll_active = "1s"',
        'poll_idle = "2s"',
        'quota_probe = "10s"',
        "",
        "[discord]",
        f"guild_id = {standin.guild_id}",
        f"announce_channel_id = {ids['announce']}",
        f"qna_channel_id = {ids['qna']}",
        f"audit_channel_id = {ids['audit']}",
        f"reminder_role_id = {standin.roles['reminder']}",
        f"moderator_role_id = {standin.roles['moderator']}",
        'locale = "ko"',
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")


# -- the bot process --------------------------------------------------------------------------------


class BotProcess:
    """``python -m bot run`` against the stand-ins, started again after every kill."""

    def __init__(
        self, standin: DiscordStandIn, youtube: YouTubeStandIn, config: Path, data: Path
    ) -> None:
        self.standin = standin
        self.data = data
        self.process: asyncio.subprocess.Process | None = None
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DISCORD_", "CCEI_", "YOUTUBE_"))
            },
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": standin.token,
            "DISCORD_API_BASE": standin.rest_base,
            "DISCORD_GATEWAY_URL": standin.gateway_url,
            "YOUTUBE_API_KEY": youtube.api_key,
            "YOUTUBE_API_BASE": youtube.api_base,
            "YOUTUBE_FEED_BASE": youtube.feed_base,
            "CCEI_CONFIG": str(config),
        }
        self.runs = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, tally: Tally) -> None:
        self.runs += 1
        identified = self.standin.identify_count
        started = time.monotonic()
        with (self.data / f"bot-{self.runs}.log").open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--data-dir", str(self.data / "state"),
                cwd=self.data, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        await self.standin.recorder.wait_until(
            lambda: True if self.standin.identify_count > identified else None,
            60,
            lambda: "the bot to identify",
        )
        tally.starts += 1
        tally.ready_seconds.append(time.monotonic() - started)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM, as an operator would at the end; the exit code (-9 if it had to be killed)."""
        if self.process is None:
            return 0
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=15)
        except TimeoutError:
            await self.kill()
            return -9


# -- the storm --------------------------------------------------------------------------------------


def moments(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    return sorted(rng.uniform(start, end) for _ in range(count))


async def wait_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def kill_and_restart(bot: BotProcess, tally: Tally) -> None:
    await bot.kill()
    tally.kills += 1
    await asyncio.sleep(RESTART_DELAY)
    await bot.start(tally)


async def kill_mid_post(bot: BotProcess, standin: DiscordStandIn, tally: Tally) -> bool:
    """Hold back the answer to the next post (Discord has created the message), kill the bot
    while it waits. False if no post came within a few seconds (the fault is withdrawn)."""
    cursor = standin.cursor()
    standin.fail_next("POST", POST, "hang", processed=True)
    try:
        await standin.wait_for_request(
            "POST", POST, lambda r: r.reply_lost == "hang", after=cursor, timeout=6
        )
    except TimeoutError:
        standin.rest.faults[:] = [f for f in standin.rest.faults if f.status != "hang"]
        return False
    tally.mid_post_kills += 1
    await kill_and_restart(bot, tally)
    return True


async def gateway_fault(standin: DiscordStandIn, rng: random.Random, tally: Tally) -> None:
    if not standin.connected:
        return
    kind = rng.choice(["resumable drop", "invalid session", "reconnect"])
    if kind == "resumable drop":
        await standin.drop_gateway(4000)
    elif kind == "invalid session":
        await standin.invalidate_session(resumable=False)
    else:
        await standin.send_reconnect()
    tally.gateway[kind] += 1


BURSTS: tuple[tuple[str, int | LostReply, int, bool], ...] = (
    # (name, status, times, processed)
    ("429 x3", 429, 3, False),
    ("500 x1", 500, 1, False),
    ("502 x2", 502, 2, False),
    ("503 before posting", 503, 1, False),
    ("503 after posting", 503, 1, True),
    ("dropped after posting", "drop", 1, True),
)


def post_burst(standin: DiscordStandIn, rng: random.Random, tally: Tally) -> None:
    name, status, times, processed = rng.choice(BURSTS)
    standin.fail_next(
        "POST",
        POST,
        status,
        times=times,
        processed=processed,
        retry_after=0.3,
    )
    tally.faults[name] += 1


async def storm(plan: Plan, seed: int, keep: Path | None, check: str = "all") -> int:
    rng = random.Random(seed)
    with contextlib.ExitStack() as stack:
        data = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="storm-")))
        data.mkdir(parents=True, exist_ok=True)
        async with DiscordStandIn() as standin, YouTubeStandIn(clock=SystemClock()) as youtube:
            t0 = time.monotonic()
            first_reminder = datetime.now(UTC) + timedelta(seconds=plan.lead_seconds)
            sessions = program(plan, first_reminder)
            config = data / "event.toml"
            write_config(config, plan, sessions, standin)
            stream = asyncio.create_task(
                play_stream(
                    youtube,
                    SystemClock(),
                    video_id=VIDEO_ID,
                    title=STREAM_TITLE,
                    starts_at=sessions[0].start,
                    ends_at=sessions[-1].end,
                    viewer_step=timedelta(seconds=2),
                    recording_after=timedelta(hours=1),
                )
            )
            tally = Tally()
            bot = BotProcess(standin, youtube, config, data)
            await bot.start(tally)

            def real(moment: datetime) -> float:
                return t0 + (moment - first_reminder).total_seconds() + plan.lead_seconds

            program_end = real(sessions[-1].end)
            dues = sorted(
                real(s.start - timedelta(seconds=offset))
                for s in sessions
                for offset in plan.offsets
            )
            # Mid-post kills just before reminders fall due; the others anywhere in the day.
            mid_post = set(rng.sample(range(len(dues)), k=min(len(dues), (plan.kills + 1) // 2)))
            events: list[tuple[float, str]] = [(dues[i] - 0.3, "kill mid-post") for i in mid_post]
            plain = plan.kills - len(mid_post)
            start = real(first_reminder)
            events += [(m, "kill") for m in moments(rng, plain, start, program_end)]
            events += [
                (m, "gateway") for m in moments(rng, plan.gateway_faults, start, program_end)
            ]
            events += [(rng.choice(dues) - 0.2, "burst") for _ in range(plan.bursts)]
            events.sort()
            print(
                f"storm (seed {seed}): {len(sessions)} sessions, {len(dues)} reminders, "
                f"a live stream; {plan.kills} kills, {plan.gateway_faults} gateway faults, "
                f"{plan.bursts} post bursts; ~{program_end - t0 + plan.tail_seconds:.0f} s",
                flush=True,
            )
            for moment, kind in events:
                await wait_until(moment)
                if not bot.alive:
                    tally.exits += 1
                    await bot.start(tally)
                if kind == "kill mid-post":
                    if not await kill_mid_post(bot, standin, tally):
                        await kill_and_restart(bot, tally)
                elif kind == "kill":
                    await kill_and_restart(bot, tally)
                elif kind == "gateway":
                    await gateway_fault(standin, rng, tally)
                else:
                    post_burst(standin, rng, tally)
            # The storm is over: a burst no reminder used up would otherwise land on the summary and
            # keep discord.py retrying it (7 s and 9 s sleeps) past the tail.
            standin.rest.faults.clear()
            summary_kind = await wait_for_summary(standin, program_end + plan.tail_seconds)
            code = await bot.stop()
            stream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stream
            elapsed = time.monotonic() - t0
            failed = report(standin, plan, sessions, tally, elapsed, code, summary_kind, check)
            digest = log_digest(data)
            if digest:
                print("the bot's warnings and errors:")
                print("\n".join(digest))
            if keep is not None:
                print(f"logs and state kept in {data}")
            return 1 if failed else 0


def live_prefixes() -> dict[str, str]:
    """The first character of each live post, from the catalog (Korean, the server's language)."""
    catalog = Catalog.load()
    first = {
        "upcoming": "live.upcoming.content",
        "live": "live.live.content",
        "summary": "live.summary.content",
        "ended": "live.ended.content",
    }
    return {kind: catalog.raw(key, "ko")[0] for kind, key in first.items()}


def live_kind(message: dict[str, Any], prefixes: dict[str, str]) -> str | None:
    content = re.sub(r"^(<@&\d+>\s*)+", "", str(message.get("content") or ""))
    for kind, prefix in prefixes.items():
        if content.startswith(prefix):
            # A post that starts with the "ended" text is the summary of a server whose live
            # message could not be edited.
            return "summary" if kind == "ended" else kind
    return None


async def wait_for_summary(standin: DiscordStandIn, until: float) -> str | None:
    prefixes = live_prefixes()
    try:
        found = await standin.wait_for_message(
            "announce",
            predicate=lambda m: live_kind(m, prefixes) == "summary",
            after=Cursor(),  # from the start: it may have come before the wait
            timeout=max(0.1, until - time.monotonic()),
        )
    except TimeoutError:
        return None
    return str(found["id"])


# -- the report -------------------------------------------------------------------------------------


def report(
    standin: DiscordStandIn,
    plan: Plan,
    sessions: list[Session],
    tally: Tally,
    elapsed: float,
    exit_code: int,
    summary: str | None,
    check: str = "all",
) -> bool:
    """Print the counts; True when something ``check`` covers was lost or duplicated."""
    posts = [e for e in standin.message_log if e.kind == "create"]
    announce = standin.channels["announce"]
    titles = {s.title: s for s in sessions}
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    prefixes = live_prefixes()
    live_posts: dict[str, list[str]] = defaultdict(list)
    for event in posts:
        message = event.message
        if event.channel_id != announce:
            continue
        title = next((str(e.get("title")) for e in message["embeds"] if e.get("title")), "")
        if title in titles:
            by_session[titles[title].id].append(message)
            continue
        kind = live_kind(message, prefixes)
        if kind is not None:
            live_posts[kind].append(str(message["id"]))

    expected = delivered = duplicated = lost = 0
    problems: list[str] = []
    for session in sessions:
        messages = by_session.get(session.id, [])
        nonces = {str(m.get("nonce")) for m in messages}
        want = len(plan.offsets)
        got = min(len(nonces), want)
        extra = len(messages) - got
        expected += want
        delivered += got
        duplicated += extra
        lost += want - got
        if extra or want - got:
            problems.append(
                f"  {session.id}: expected {want}, posted {len(messages)} ({len(nonces)} distinct)"
            )

    edits = [e for e in standin.message_log if e.kind == "edit" and e.channel_id == announce]
    live_ids = {mid for ids in live_posts.values() for mid in ids}
    live_edits = [e for e in edits if str(e.message_id) in live_ids]
    edited = {e.message_id for e in live_edits}
    live_expected = {"upcoming": 1, "live": 1, "summary": 1}
    live_lost = sum(max(0, n - len(live_posts.get(k, []))) for k, n in live_expected.items())
    live_dup = sum(max(0, len(live_posts.get(k, [])) - n) for k, n in live_expected.items())

    ready = tally.ready_seconds
    print(
        f"ran {elapsed:.0f} s; bot started {tally.starts}x (to IDENTIFY: median "
        f"{statistics.median(ready):.1f} s, max {max(ready):.1f} s); last exit code {exit_code}"
    )
    print(
        f"kills: {tally.kills} (mid-post: {tally.mid_post_kills}); "
        f"exits the bot made by itself: {tally.exits}"
    )
    print("gateway faults: " + (", ".join(f"{k} {n}" for k, n in tally.gateway.items()) or "-"))
    print("post faults: " + (", ".join(f"{k} {n}" for k, n in tally.faults.items()) or "-"))
    print(f"nonce repeats answered with the first message: {standin.nonce_replays}")
    print(
        f"reminders: expected {expected}, delivered {delivered}, duplicated {duplicated}, "
        f"lost {lost}"
    )
    for line in problems:
        print(line)
    counts = ", ".join(f"{k} {len(live_posts.get(k, []))}/{n}" for k, n in live_expected.items())
    print(
        f"live posts: {counts} (duplicated {live_dup}, lost {live_lost}); "
        f"edits {len(live_edits)} to {len(edited)} message(s)"
    )
    if summary is None:
        print("  no end-of-stream summary within the tail")
    live_failed = bool(live_dup or live_lost)
    failed = bool(duplicated or lost or tally.exits or (check == "all" and live_failed))
    print("RESULT: " + ("FAIL (lost or duplicated posts)" if failed else "OK"), end="")
    print(" (live posts not checked: --check reminders)" if check == "reminders" else "")
    return failed


def log_digest(data: Path, limit: int = 6) -> list[str]:
    """The bot's own warnings and errors over all runs, counted (digits folded): why a post was
    late, lost or doubled usually shows here."""
    counts: Counter[str] = Counter()
    pattern = re.compile(r" (WARNING|ERROR) +((?:bot|cogs)\.\S+) (.*)$")
    for path in sorted(data.glob("bot-*.log")):
        for line in path.read_text("utf-8", errors="replace").splitlines():
            found = pattern.search(line)
            if found:
                text = re.sub(r"\d+", "N", found[3])[:110]
                counts[f"{found[1]} {found[2]} {text}"] += 1
    return [f"  {n:3d}x {text}" for text, n in counts.most_common(limit)]


# -- entry point ------------------------------------------------------------------------------------


def parse(argv: list[str] | None = None) -> tuple[Plan, int, Path | None, str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the quick version (about 45 s)")
    parser.add_argument("--kills", type=int, help="how many SIGKILLs")
    parser.add_argument("--seed", type=int, help="replay a run (default: random)")
    parser.add_argument("--keep", type=Path, help="keep the data dir and logs here")
    parser.add_argument(
        "--check",
        choices=["all", "reminders"],
        default="all",
        help="what a loss or duplicate fails (default all; reminders: the live posts are printed "
        "but do not count)",
    )
    args = parser.parse_args(argv)
    plan = SHORT if args.short else FULL
    if args.kills is not None:
        plan = replace(plan, kills=args.kills)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    return plan, seed, args.keep, args.check


def main(argv: list[str] | None = None) -> int:
    plan, seed, keep, check = parse(argv)
    return asyncio.run(storm(plan, seed, keep, check))


if __name__ == "__main__":
    raise SystemExit(main())
