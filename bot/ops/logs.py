"""Logging set-up: readable lines by default, or one JSON object per line for log collectors.

JSON lines carry ``time``, ``level``, ``logger``, ``message`` and, where known, ``guild``,
``command``, ``user_id`` and ``error_id``. The command tree binds the first three for the whole
handling of an interaction (:func:`bind_interaction`); ``error_id`` comes with the error's log call
(``extra={"error_id": ...}``). Built on the standard library's logging only.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, TextIO

LogFormat = Literal["text", "json"]

#: The fields a JSON line may carry beyond the basics, in this order.
CONTEXT_FIELDS = ("guild", "command", "user_id", "error_id")

_NOTHING: Mapping[str, object] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, object]] = contextvars.ContextVar(
    "ccei_log_context", default=_NOTHING
)

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def bind(**fields: object) -> None:
    """Attach ``fields`` to every record logged from the current task (and tasks it starts)."""
    merged = {**_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    _context.set(MappingProxyType(merged))


def bound() -> Mapping[str, object]:
    return _context.get()


class ContextFilter(logging.Filter):
    """Copies the bound fields onto each record (an ``extra=`` of the call itself wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (tracebacks included as a string)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    *,
    level: int = logging.INFO,
    log_format: LogFormat = "text",
    verbose: bool = False,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root logger's handlers with one writing to ``stream`` (stderr) in ``log_format``.

    ``verbose`` lets the libraries' own INFO/DEBUG through; otherwise discord.py and APScheduler
    speak only from WARNING (APScheduler logs every job it runs at INFO).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet = logging.DEBUG if verbose else logging.WARNING
    logging.getLogger("discord").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("apscheduler").setLevel(quiet)
    logging.getLogger("googleapiclient.discovery_cache").setLevel(logging.ERROR)
    return handler
