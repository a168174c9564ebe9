"""Time rendering shared by every feature: event time zone text plus Discord ``<t:...>`` markup."""

from __future__ import annotations

from datetime import datetime, tzinfo


def discord_ts(moment: datetime, style: str = "f") -> str:
    """Discord timestamp markup, shown in each viewer's own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def hhmm(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def zone_label(moment: datetime, tz: tzinfo) -> str:
    """A short zone label: ``KST`` for Asia/Seoul, else the abbreviation or UTC offset."""
    label = moment.astimezone(tz).tzname() or ""
    if not label or label[0] in "+-":
        offset = moment.astimezone(tz).strftime("%z")
        label = f"UTC{offset[:3]}:{offset[3:]}"
    return label
