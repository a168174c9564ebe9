"""Start-up and shutdown of the real `ccei-bot run` process against the local Discord stand-in.

Prints, over N runs: process start → commands synced and READY, and SIGTERM → exit (the CLI promises a
clean exit within 5 s). The shipped config with the stand-in's server ids (``run`` needs them), a fresh
data directory each run. Usage: python benchmarks/lifecycle.py [runs]
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from floor import NOW_IN_EVENT, write_config  # benchmarks/ is this script's directory

from bot.rehearsal.discord_standin import DiscordStandIn


async def one_run() -> tuple[float, float, int]:
    async with DiscordStandIn() as standin:
        env = {
            **os.environ,
            "DISCORD_TOKEN": standin.token,
            "DISCORD_API_BASE": standin.rest_base,
            "DISCORD_GATEWAY_URL": standin.gateway_url,
        }
        with tempfile.TemporaryDirectory() as work:
            config = write_config(
                Path(work), standin, event_time=NOW_IN_EVENT, at=datetime.now(UTC)
            )
            env["CCEI_CONFIG"] = str(config)
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--data-dir", str(Path(work) / "data"),
                env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await standin.wait_for_request(
                "PUT", "/applications/{application_id}/commands", timeout=60
            )
            await standin.wait_until_identified(timeout=60)
            ready = time.perf_counter() - started
            stopping = time.perf_counter()
            process.send_signal(signal.SIGTERM)
            code = await process.wait()
            return ready, time.perf_counter() - stopping, code


async def main(runs: int) -> None:
    results = [await one_run() for _ in range(runs)]
    ready = [r[0] for r in results]
    stop = [r[1] for r in results]
    codes = {r[2] for r in results}
    print(f"runs: {runs}; exit codes: {sorted(codes)}")
    print(
        f"start -> READY + synced: median {statistics.median(ready):.2f} s, max {max(ready):.2f} s"
    )
    print(f"SIGTERM -> exit:         median {statistics.median(stop):.3f} s, max {max(stop):.3f} s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
