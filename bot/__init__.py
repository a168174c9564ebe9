"""CCEI Live Companion: a Discord bot that accompanies a live-streamed event."""

__version__ = "0.1.0"
