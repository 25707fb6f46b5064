"""The fake tailscaled's backend: profiles, prefs, login, permissions and the IPN bus.

It follows the LocalAPI fact sheet where the real daemon is strict or surprising:
- `PUT profiles/` switches to a new empty profile (ID "" until a login completes);
  `logout` deletes the current profile at control and locally and lands on a new
  empty one (a no-op without a node key); `DELETE` of the current profile also
  lands on an empty one; switching to the current profile is a no-op.
- A key is checked only at `login-interactive`; a refused key is an `ErrMessage`
  on the bus and a Health line, never an HTTP error.
- A login on an already logged-in profile rewrites it (the user's login is lost).
- "operator" permission mode: the caller is a non-root user; writes are allowed
  only while the current profile's `OperatorUser` names them, which a new empty
  profile does not (tailscale#18294), exactly like the real daemon today.
- Stricter than the real one: a `start` whose UpdatePrefs lacks fields is refused
  (the real daemon would silently zero them, e.g. turn netfilter off).
- `forced_prefs` play a system policy (MDM, syspolicy) that overrides what a
  client sets; `platform` picks the platform's defaults for a fresh profile.
All methods run on the fake's event loop; tests read snapshots under `lock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pawpado_desktop.sim.fake_tailscaled_keys import KeyRefused, KeyVerifier, Redemption

VERSION = "1.103.0-fake"
DEFAULT_CONTROL_URL = "https://controlplane.tailscale.com"
STATE_NAMES = (
    "NoState",
    "InUseOtherUser",
    "NeedsLogin",
    "NeedsMachineAuth",
    "Stopped",
    "Starting",
    "Running",
)
NEEDS_LOGIN, NEEDS_MACHINE_AUTH, STOPPED, STARTING, RUNNING = 2, 3, 4, 5, 6
Permission = Literal["full", "operator"]


def default_prefs(platform: str = "linux") -> dict[str, Any]:
    """A fresh profile's prefs (`ipn.NewPrefs`), every field present.

    `platform` "windows" or "macos": RouteAll defaults to true there (fact sheet, section 3).
    """
    return {
        "ControlURL": "",
        "RouteAll": platform in ("windows", "macos"),
        "ExitNodeID": "",
        "ExitNodeIP": "",
        "AutoExitNode": "",
        "ExitNodeAllowLANAccess": False,
        "CorpDNS": True,
        "RunSSH": False,
        "RunWebClient": False,
        "WantRunning": False,
        "LoggedOut": False,
        "ShieldsUp": False,
        "AdvertiseTags": None,
        "Hostname": "",
        "NotepadURLs": False,
        "ForceDaemon": False,
        "AdvertiseRoutes": None,
        "AdvertiseServices": None,
        "NoSNAT": False,
        "NoStatefulFiltering": True,
        "NetfilterMode": 2,
        "OperatorUser": "",
        "ProfileName": "",
        "AutoUpdate": {"Check": True, "Apply": None},
        "AppConnector": {"Advertise": False},
        "PostureChecking": False,
        "NetfilterKind": "",
        "DriveShares": None,
        "RelayServerPort": None,
    }


REQUIRED_PREFS = frozenset(default_prefs())


class LocalApiError(Exception):
    """An HTTP error answer: text like Go's http.Error, or JSON for some handlers."""

    def __init__(self, status: int, message: str, *, json_key: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.json_key = json_key


@dataclass
class Login:
    login_name: str
    tailnet: str
    node_id: str
    node_ip: str
    control_url: str
    via_verifier: bool  # peers come from the verifier (the simulator), not `static_peers`
    static_peers: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeProfile:
    id: str
    prefs: dict[str, Any]
    login: Login | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    pending_key: str | None = field(default=None, repr=False)  # held in memory only
    approved: bool = True

    @property
    def name(self) -> str:
        return str(self.prefs.get("ProfileName") or (self.login.login_name if self.login else ""))

    def as_login_profile(self) -> dict[str, Any]:
        login = self.login
        return {
            "ID": self.id,
            "Name": self.name,
            "NetworkProfile": {
                "MagicDNSName": login.tailnet if login else "",
                "DomainName": login.tailnet if login else "",
                "DisplayName": login.tailnet if login else "",
            },
            "Key": f"profile-{self.id}" if self.id else "",
            "UserProfile": {
                "ID": 0,
                "LoginName": login.login_name if login else "",
                "DisplayName": login.login_name if login else "",
            },
            "NodeID": login.node_id if login else "",
            "LocalUserID": "",
            "ControlURL": self.prefs.get("ControlURL", ""),
            "Created": self.created,
        }


def user_profile(operator: str = "") -> FakeProfile:
    """The user's own profile: logged in to their own tailnet, running, with a peer."""
    prefs = default_prefs()
    prefs.update(
        ControlURL=DEFAULT_CONTROL_URL,
        WantRunning=True,
        Hostname="alice-desktop",
        RouteAll=True,
        OperatorUser=operator,
    )
    login = Login(
        login_name="alice@example.com",
        tailnet="alice.example.ts.net",
        node_id="nUSER1",
        node_ip="100.101.102.103",
        control_url=DEFAULT_CONTROL_URL,
        via_verifier=False,
        static_peers=[
            {
                "id": "nLAPTOP",
                "hostName": "alice-laptop",
                "dnsName": "alice-laptop.alice.example.ts.net.",
                "tailscaleIPs": ["100.101.1.2"],
                "online": True,
                "curAddr": "192.168.1.20:41641",
                "relay": "fra",
            }
        ],
    )
    return FakeProfile(id="a1b2", prefs=prefs, login=login)


class FakeBackend:
    def __init__(
        self,
        verifier: KeyVerifier,
        *,
        permission: Permission = "full",
        caller_user: str = "player",
        with_user_profile: bool = True,
        user_operator: str = "",
        login_delay_s: float = 0.0,
        platform: str = "linux",
        forced_prefs: dict[str, Any] | None = None,
    ) -> None:
        self.verifier = verifier
        self.platform = platform
        self.forced_prefs = dict(forced_prefs or {})
        self.permission: Permission = permission
        self.caller_user = caller_user
        self.login_delay_s = login_delay_s
        self.lock = threading.Lock()
        self.profiles: dict[str, FakeProfile] = {}
        if with_user_profile:
            own = user_profile(user_operator)
            self.profiles[own.id] = own
            self.current = own
        else:
            self.current = FakeProfile("", self.defaults())
        self.err_message = ""
        self.auth_url = ""
        self.session_id = secrets.token_hex(8)
        self._watchers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._login_task: asyncio.Task[None] | None = None
        self._abandoned: set[asyncio.Task[None]] = set()

    def defaults(self) -> dict[str, Any]:
        """A fresh profile's prefs on this fake's platform, policy applied."""
        return {**default_prefs(self.platform), **self.forced_prefs}

    # -- state ---------------------------------------------------------------

    @property
    def state(self) -> int:
        profile = self.current
        if profile.login is None:
            return NEEDS_LOGIN
        if not profile.approved:
            return NEEDS_MACHINE_AUTH
        return RUNNING if profile.prefs.get("WantRunning") else STOPPED

    def publish(self, note: dict[str, Any]) -> None:
        for queue in list(self._watchers):
            queue.put_nowait(note)

    def watch(self, mask: int) -> asyncio.Queue[dict[str, Any]]:
        if mask & 65536:
            raise LocalApiError(400, "NotifyInProcessNoDisconnect is not allowed over LocalAPI")
        if mask & 256 and mask & (4096 | 8192 | 16384 | 32768):
            raise LocalApiError(400, "NotifyRateLimit cannot be combined with peer updates")
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        initial: dict[str, Any] = {}
        if mask & 2:
            initial.update(Version=VERSION, SessionID=self.session_id, State=self.state)
            if self.state == NEEDS_LOGIN and self.auth_url:
                initial["BrowseToURL"] = self.auth_url
        if mask & 4:
            initial["Prefs"] = self.public_prefs()
        if mask & 128:
            initial["Health"] = {"Warnings": self._health_warnings()}
        if initial:
            queue.put_nowait(initial)
        self._watchers.add(queue)
        return queue

    def unwatch(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._watchers.discard(queue)

    def _health_warnings(self) -> dict[str, Any]:
        if not self.err_message:
            return {}
        return {
            "login-state": {
                "WarnableCode": "login-state",
                "Severity": "medium",
                "Title": "Logged out",
                "Text": f"You are logged out. The last login error was: {self.err_message}",
                "ImpactsConnectivity": True,
            }
        }

    def public_prefs(self) -> dict[str, Any]:
        prefs = copy.deepcopy(self.current.prefs)
        login = self.current.login
        prefs["Config"] = (
            {"UserProfile": {"LoginName": login.login_name}, "NodeID": login.node_id}
            if login
            else None
        )
        return prefs

    def can_write(self) -> bool:
        if self.permission == "full":
            return True
        return bool(self.caller_user) and self.current.prefs.get("OperatorUser") == self.caller_user

    def require_write(self, denial: str) -> None:
        if not self.can_write():
            raise LocalApiError(403, denial)

    # -- status --------------------------------------------------------------

    async def peers(self) -> list[dict[str, Any]]:
        login = self.current.login
        if login is None or self.state != RUNNING:
            return []
        if not login.via_verifier:
            return login.static_peers
        peers = await self.verifier.peers(login.node_id)
        if peers is None and self.current.login is login:
            # Control forgot the node (an ephemeral node removed, a revoked key): logged out.
            self.current.login = None
            self.err_message = "node not found"
            self.publish({"State": self.state, "ErrMessage": self.err_message})
            return []
        return peers or []

    async def status(self, with_peers: bool) -> dict[str, Any]:
        peers = await self.peers() if with_peers else []
        profile = self.current
        login = profile.login
        self_status = None
        if login is not None:
            self_status = _peer_status(
                {
                    "id": login.node_id,
                    "hostName": profile.prefs.get("Hostname") or "fake",
                    "dnsName": f"{profile.prefs.get('Hostname') or 'fake'}.{login.tailnet}.",
                    "tailscaleIPs": [login.node_ip],
                    "online": self.state == RUNNING,
                    "curAddr": "",
                    "relay": "",
                }
            )
        return {
            "Version": VERSION,
            "TUN": True,
            "BackendState": STATE_NAMES[self.state],
            "HaveNodeKey": login is not None,
            "AuthURL": self.auth_url if login is None else "",
            "TailscaleIPs": [login.node_ip] if login else [],
            "Self": self_status,
            "Health": [w["Text"] for w in self._health_warnings().values()],
            "MagicDNSSuffix": login.tailnet if login else "",
            "CurrentTailnet": (
                {"Name": login.tailnet, "MagicDNSSuffix": login.tailnet, "MagicDNSEnabled": True}
                if login
                else None
            ),
            "Peer": {f"nodekey:{p['id']}": _peer_status(p) for p in peers} if with_peers else None,
            "User": {},
        }

    async def ping(self, ip: str) -> dict[str, Any] | None:
        """The PingResult, or None when the peer exists but will never answer."""
        login = self.current.login
        if login is not None and ip == login.node_ip:
            return {"IP": ip, "Err": f"{ip} is local Tailscale IP", "IsLocalIP": True}
        peer = next((p for p in await self.peers() if ip in p.get("tailscaleIPs", [])), None)
        if peer is None:
            return {"IP": ip, "Err": "no matching peer"}
        if not peer.get("online"):
            return None
        result: dict[str, Any] = {
            "IP": ip,
            "NodeIP": ip,
            "NodeName": peer.get("dnsName", ""),
            "PeerAPIPort": 0,
        }
        if peer.get("pingError"):  # an engine error: 500 with a lowercase "error" key
            raise LocalApiError(500, str(peer["pingError"]), json_key="error")
        latency = peer.get("pingLatencyMs")
        if peer.get("curAddr"):
            ms = latency if isinstance(latency, int | float) else 18.0
            result.update(Endpoint=peer["curAddr"], LatencySeconds=ms / 1000)
        else:
            ms = latency if isinstance(latency, int | float) else 95.0
            result.update(
                DERPRegionID=900,
                DERPRegionCode=peer.get("relay") or "sin",
                LatencySeconds=ms / 1000,
            )
        return result

    # -- prefs and start -----------------------------------------------------

    def patch_prefs(self, masked: Any) -> dict[str, Any]:
        if not isinstance(masked, dict):
            raise LocalApiError(400, "invalid MaskedPrefs", json_key="Error")
        updates: dict[str, Any] = {}
        for key, value in masked.items():
            if not key.endswith("Set"):
                continue
            name = key[: -len("Set")]
            if name == "InternalExitNodePrior" or name not in REQUIRED_PREFS:
                raise LocalApiError(400, f"unknown or unsettable pref {name}", json_key="Error")
            if value is True:
                updates[name] = masked.get(name)
        if "ProfileName" in updates:
            self._check_profile_name(str(updates["ProfileName"] or ""))
        self.current.prefs.update(updates, **self.forced_prefs)
        self.publish({"Prefs": self.public_prefs()})
        return self.public_prefs()

    def start(self, options: Any) -> None:
        if not isinstance(options, dict):
            raise LocalApiError(400, "invalid JSON body")
        prefs = options.get("UpdatePrefs")
        if prefs is not None:
            if not isinstance(prefs, dict):
                raise LocalApiError(400, "UpdatePrefs must be an object")
            missing = sorted(REQUIRED_PREFS - set(prefs))
            if missing:
                raise LocalApiError(
                    400,
                    "fake tailscaled: UpdatePrefs lacks "
                    + ", ".join(missing)
                    + "; the real tailscaled would reset them to zero values",
                )
            self._check_profile_name(str(prefs.get("ProfileName") or ""))
            kept = {k: v for k, v in prefs.items() if k != "Config"}  # Persist stays server-side
            self.current.prefs = {**self.defaults(), **kept, **self.forced_prefs}
        key = options.get("AuthKey")
        if isinstance(key, str) and key:
            self.current.pending_key = key
        self.publish({"Prefs": self.public_prefs()})
        if self.current.login is not None:
            self.publish({"State": self.state})

    def _check_profile_name(self, name: str) -> None:
        clash = any(p.name == name and p is not self.current for p in self.profiles.values())
        if name and clash:
            raise LocalApiError(500, f'profile name "{name}" already in use')

    # -- login and logout ----------------------------------------------------

    def login_interactive(self) -> None:
        profile = self.current
        self._cancel_login()
        if profile.pending_key is None:
            self.auth_url = f"https://login.tailscale.com/a/{secrets.token_hex(6)}"
            self.publish({"BrowseToURL": self.auth_url})
            return
        self._login_task = asyncio.ensure_future(self._login_with_key(profile))

    async def _login_with_key(self, profile: FakeProfile) -> None:
        key = profile.pending_key or ""
        if self.login_delay_s:
            await asyncio.sleep(self.login_delay_s)
        node_id = "n" + secrets.token_hex(5)
        hostname = str(profile.prefs.get("Hostname") or "fake")
        redeem = asyncio.ensure_future(self.verifier.redeem(key, node_id, hostname))
        try:
            grant = await asyncio.shield(redeem)
        except asyncio.CancelledError:
            # Switched away or logged out mid-login: control may hold the node already.
            # The real daemon does not leave it behind, so neither does the fake.
            cleanup = asyncio.ensure_future(self._leave_once_redeemed(redeem, node_id))
            self._abandoned.add(cleanup)
            cleanup.add_done_callback(self._abandoned.discard)
            raise
        except KeyRefused as refusal:
            if profile is self.current:
                self.err_message = refusal.message
                self.publish(
                    {"ErrMessage": refusal.message, "Health": {"Warnings": self._health_warnings()}}
                )
            return  # the real control client keeps retrying with the key in memory
        if profile is not self.current:
            await self.verifier.leave(node_id)  # switched away meanwhile
            return
        profile.pending_key = None
        self.err_message = ""
        self.auth_url = ""
        profile.approved = grant.approved
        # A login on a logged-in profile rewrites it: the old identity is gone.
        profile.login = Login(
            login_name="tagged-devices",
            tailnet=grant.tailnet_name,
            node_id=node_id,
            node_ip=grant.node_ip,
            control_url=grant.control_url or DEFAULT_CONTROL_URL,
            via_verifier=True,
        )
        if not profile.id:
            profile.id = self._new_profile_id()
            self.profiles[profile.id] = profile
        self.publish({"LoginFinished": {}})
        self.publish({"Prefs": self.public_prefs()})
        if self.state == RUNNING:
            self.publish({"State": STARTING})
        self.publish({"State": self.state})

    async def logout(self) -> None:
        profile = self.current
        login = profile.login
        if login is None:
            return  # no node key: a no-op, even with a key still pending
        self._cancel_login()
        if login.via_verifier:
            await self.verifier.leave(login.node_id)  # control removes the node now
        self.profiles.pop(profile.id, None)
        self._switch_to(FakeProfile("", self.defaults()))

    async def _leave_once_redeemed(self, redeem: asyncio.Future[Redemption], node_id: str) -> None:
        with contextlib.suppress(Exception):
            await redeem
            await self.verifier.leave(node_id)

    def _cancel_login(self) -> None:
        task, self._login_task = self._login_task, None
        if task is not None and not task.done():
            task.cancel()

    # -- profiles ------------------------------------------------------------

    def _new_profile_id(self) -> str:
        while True:
            candidate = secrets.token_hex(2)
            if candidate not in self.profiles:
                return candidate

    def _switch_to(self, profile: FakeProfile) -> None:
        self._cancel_login()
        self.current = profile
        self.err_message = ""
        self.auth_url = ""
        if self.state == RUNNING:
            self.publish({"State": STARTING})
        self.publish({"State": self.state, "Prefs": self.public_prefs()})

    def new_profile(self) -> None:
        self._switch_to(FakeProfile("", self.defaults()))

    def switch_profile(self, profile_id: str) -> None:
        if profile_id == self.current.id:
            return
        target = self.profiles.get(profile_id)
        if target is None:
            raise LocalApiError(500, f"profile {profile_id!r} not found")
        self._switch_to(target)

    def delete_profile(self, profile_id: str) -> None:
        if profile_id not in self.profiles:
            return
        removed = self.profiles.pop(profile_id)
        if removed is self.current:
            self._switch_to(FakeProfile("", self.defaults()))

    async def close(self) -> None:
        self._cancel_login()
        await asyncio.gather(*self._abandoned, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.verifier.aclose()


def _peer_status(peer: dict[str, Any]) -> dict[str, Any]:
    """A simulator Peer as an `ipnstate.PeerStatus`."""
    return {
        "ID": peer.get("id", ""),
        "HostName": peer.get("hostName", ""),
        "DNSName": peer.get("dnsName", ""),
        "OS": "windows",
        "TailscaleIPs": list(peer.get("tailscaleIPs", [])),
        "CurAddr": peer.get("curAddr", ""),
        "Relay": peer.get("relay", ""),
        "Online": bool(peer.get("online")),
        "Active": bool(peer.get("online")),
        "InNetworkMap": True,
        "InMagicSock": True,
        "InEngine": True,
    }
