"""Pawpado Desktop: play on your Pawpado cloud gaming PC from the system tray."""

__version__ = "0.1.0"
