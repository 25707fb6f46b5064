"""Moonlight: find it, check it, pair it with the cloud PC, stream, watch the stream.

Typical use (all async, Qt-free):

    moonlight = Moonlight(settings=LocalSettings.load(), clock=clock)
    await moonlight.check_ready()                  # installed and >= 4.2
    address = host_address(connect.tailnet_ip, connect.port)
    if not await moonlight.is_paired(address):
        pin = await api.mint_pin()
        await moonlight.pair(address, pin.pin, pin.expires_at)
    options = StreamOptions.from_settings(server_settings, local_settings)
    stream = await moonlight.stream(address, local_settings.moonlight_app, options)
    end = await stream.wait()                      # StreamEnd: reason, returncode, message
"""

from pawpado_desktop.moonlight.client import Moonlight, MoonlightTimeouts, host_address
from pawpado_desktop.moonlight.errors import (
    INSTALL_URL,
    BadAddress,
    HostUnreachable,
    MoonlightError,
    MoonlightNotInstalled,
    MoonlightTooOld,
    MoonlightUnusable,
    PairingFailed,
    PinExpired,
    StreamFailed,
    StreamSettingsInvalid,
    WrongPin,
)
from pawpado_desktop.moonlight.instances import RunningMoonlight, running_moonlights
from pawpado_desktop.moonlight.locate import (
    InstallKind,
    MoonlightExecutable,
    SearchRoots,
    locate_moonlight,
)
from pawpado_desktop.moonlight.options import StreamOptions
from pawpado_desktop.moonlight.stream import StreamEnd, StreamEndReason, StreamProcess
from pawpado_desktop.moonlight.version import MIN_VERSION, MoonlightVersion, parse_version

__all__ = [
    "INSTALL_URL",
    "MIN_VERSION",
    "BadAddress",
    "HostUnreachable",
    "InstallKind",
    "Moonlight",
    "MoonlightError",
    "MoonlightExecutable",
    "MoonlightNotInstalled",
    "MoonlightTimeouts",
    "MoonlightTooOld",
    "MoonlightUnusable",
    "MoonlightVersion",
    "PairingFailed",
    "PinExpired",
    "RunningMoonlight",
    "SearchRoots",
    "StreamEnd",
    "StreamEndReason",
    "StreamFailed",
    "StreamOptions",
    "StreamProcess",
    "StreamSettingsInvalid",
    "WrongPin",
    "host_address",
    "locate_moonlight",
    "parse_version",
    "running_moonlights",
]
