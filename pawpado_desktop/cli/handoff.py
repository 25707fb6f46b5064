"""A CLI Play or stop while another Pawpado process owns the Play.

Only one process owns a Play (pawpado_desktop.core.ownership). When it is the
tray, the CLI hands the action to it through the tray's single-instance
channel, so the owner stops its own session and restores its own Tailscale
change; when it is another command, a second Play is refused.
"""

from __future__ import annotations

import argparse
import asyncio

from pawpado_desktop.config import config_dir
from pawpado_desktop.core.ownership import PlayElsewhere, Role, play_owner
from pawpado_desktop.instance_channel import instance_name, send


async def _tell_tray(args: argparse.Namespace, message: str) -> bool:
    name = instance_name(config_dir(), demo=bool(getattr(args, "demo", False)))
    return await asyncio.to_thread(send, name, message)


async def hand_play_to_owner(args: argparse.Namespace) -> bool:
    """True when the tray owns the Play and now shows it; PlayElsewhere when a command
    owns it; False when nobody does (this command may play)."""
    owner = await play_owner()
    if owner is None:
        return False
    if owner.role is Role.TRAY and await _tell_tray(args, "play"):
        return True
    raise PlayElsewhere(owner)


async def ask_owner_to_stop(args: argparse.Namespace) -> bool:
    """Ask the tray to stop the Play it owns (it then restores Tailscale itself).

    True if the tray took the request. The caller still sends and confirms the stop
    itself: it is safe to send twice, and the stop must not depend on the tray.
    """
    owner = await play_owner()
    return owner is not None and owner.role is Role.TRAY and await _tell_tray(args, "stop")
