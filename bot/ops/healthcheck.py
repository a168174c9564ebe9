"""The container's HEALTHCHECK: ``python -m bot.ops.healthcheck`` asks the running bot's ``/healthz``.

Standard library only (no config validation, no discord.py), so the check Docker runs every 30 seconds costs
milliseconds. It finds the endpoint from ``CCEI_HTTP_PORT`` / ``CCEI_HTTP_HOST`` (the image sets the
port) or takes a URL. Exit 0 when the bot answers 200, 1 otherwise, with one line saying why.
``ccei-bot healthcheck`` does the same, reading ``[ops]`` from the config too.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence


def local_url(host: str, port: int) -> str:
    """The URL of ``/healthz`` from the same machine (a wildcard host is reached on loopback)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - matching, not binding
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def probe(url: str, *, timeout: float = 4.0) -> tuple[int, str]:
    """(exit code, one line): 0 and "ok" when ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own URL
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (OSError, TimeoutError) as error:
        return 1, f"unhealthy: no answer from {url} ({error})"
    if status == 200:
        return 0, "ok"
    try:
        problems = "; ".join(json.loads(raw).get("problems") or [])
    except (ValueError, AttributeError):
        problems = ""
    return 1, f"unhealthy: {problems or f'HTTP {status}'}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        url = args[0]
    else:
        port = os.environ.get("CCEI_HTTP_PORT", "").strip()
        if not port.isdigit() or int(port) == 0:
            sys.stdout.write("unhealthy: CCEI_HTTP_PORT is not set, so there is no endpoint\n")
            return 1
        url = local_url(os.environ.get("CCEI_HTTP_HOST", "").strip(), int(port))
    code, line = probe(url)
    sys.stdout.write(line + "\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
