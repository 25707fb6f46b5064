"""The LocalAPI client: one httpx.AsyncClient talking to tailscaled.

Rules the daemon enforces (fact sheet, sections 1 and 4): the Host header must be
`local-tailscaled.sock`, an Origin or Referer header is refused, and errors come
as text or as JSON with `Error` or `error`. Every call has a per-read timeout
and an overall deadline, and its answer is capped at 1 MiB decoded
(`bounded_http`); the bus stream has a deadline for its headers and none between
messages (its reader decides).
The auth key goes only into the body of `start` and is scrubbed from any error
text that might echo it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from pawpado_desktop.bounded_http import (
    Answer,
    BodyTooLarge,
    DeadlineExceeded,
    ExchangeError,
    exchange,
    read_capped,
    send_headers,
)
from pawpado_desktop.errors import Phrase
from pawpado_desktop.tailscale.endpoint import (
    LocalEndpoint,
    discover_endpoint,
    find_tailscale,
)
from pawpado_desktop.tailscale.errors import (
    TailscaleApiError,
    TailscaleError,
    TailscaleNoPermission,
    TailscaleNotInstalled,
    TailscaleNotRunning,
)
from pawpado_desktop.tailscale.models import (
    LoginProfile,
    Notify,
    PingResult,
    Prefs,
    Status,
)
from pawpado_desktop.tailscale.stream_transport import OpenerTransport, open_windows_pipe

log = logging.getLogger(__name__)

LOCALAPI_HOST = "local-tailscaled.sock"
BASE_URL = f"http://{LOCALAPI_HOST}"
PREFIX = "/localapi/v0/"
DEFAULT_TIMEOUT_S = 10.0
LOGOUT_TIMEOUT_S = 30.0  # logout waits for the control server
PING_TIMEOUT_S = 5.0  # as the CLI: tailscaled itself never gives up on a ping
# A whole exchange (connect to last byte) may take this many per-read timeouts.
DEADLINE_FACTOR = 1.5
# InitialState | NoPrivateKeys | InitialHealthState (fact sheet, section 7).
BUS_MASK = 2 | 16 | 128
_MAX_ERROR_CHARS = 300


def error_text(body: bytes) -> str:
    """The message in an error body: JSON `Error`/`error` (any case) or the trimmed text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # plain text, or JSON nested too deep to read
        return text[:_MAX_ERROR_CHARS]
    if isinstance(parsed, dict):
        for key, value in parsed.items():
            if key.lower() == "error" and isinstance(value, str):
                return value.strip()[:_MAX_ERROR_CHARS]
    return text[:_MAX_ERROR_CHARS]


class LocalClient:
    """Async LocalAPI calls. Create with `connect_default()`; close with `aclose()`."""

    def __init__(
        self,
        endpoint: LocalEndpoint,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        installed: Callable[[], bool] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._installed = installed or (lambda: find_tailscale() is not None)
        auth = httpx.BasicAuth("", endpoint.token) if endpoint.token else None
        self._http = httpx.AsyncClient(
            base_url=BASE_URL,
            transport=transport or _transport_for(endpoint),
            auth=auth,
            timeout=timeout,
            trust_env=False,  # never send LocalAPI calls through a proxy
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"LocalClient({self.endpoint.describe()})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> LocalClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the calls -------------------------------------------------------------

    async def status(self, *, peers: bool = True) -> Status:
        params = None if peers else {"peers": "false"}
        response = await self._call("GET", "status", Phrase("read its status"), params=params)
        return Status.parse(_json(response, Phrase("read its status")))

    async def get_prefs(self) -> Prefs:
        response = await self._call("GET", "prefs", Phrase("read its settings"))
        prefs = _json(response, Phrase("read its settings"))
        if not isinstance(prefs, dict):
            raise TailscaleApiError(
                Phrase("read its settings"), response.status_code, Phrase("not an object")
            )
        return prefs

    async def patch_prefs(self, masked: Mapping[str, Any]) -> Prefs:
        response = await self._call(
            "PATCH", "prefs", Phrase("change its settings"), json=dict(masked)
        )
        prefs = _json(response, Phrase("change its settings"))
        return prefs if isinstance(prefs, dict) else {}

    async def start(self, prefs: Prefs, *, auth_key: str | None = None) -> None:
        """`POST start` with a complete prefs object; the key travels only in this body."""
        body: dict[str, Any] = {"UpdatePrefs": prefs}
        if auth_key:
            body["AuthKey"] = auth_key
        await self._call(
            "POST",
            "start",
            Phrase("start with the game network's key"),
            json=body,
            ok=(204, 200),
            secret=auth_key,
        )

    async def login_interactive(self) -> None:
        await self._call("POST", "login-interactive", Phrase("log in"), ok=(204, 200))

    async def logout(self) -> None:
        await self._call(
            "POST", "logout", Phrase("log out"), ok=(204, 200), timeout_s=LOGOUT_TIMEOUT_S
        )

    async def profiles(self) -> list[LoginProfile]:
        response = await self._call("GET", "profiles/", Phrase("list its profiles"))
        raw = _json(response, Phrase("list its profiles"))
        return [LoginProfile.parse(item) for item in raw] if isinstance(raw, list) else []

    async def current_profile(self) -> LoginProfile:
        response = await self._call("GET", "profiles/current", Phrase("read the current profile"))
        return LoginProfile.parse(_json(response, Phrase("read the current profile")))

    async def new_profile(self) -> None:
        """Create an empty profile and switch to it (`PUT profiles/`)."""
        await self._call("PUT", "profiles/", Phrase("create a new profile"), ok=(201, 200, 204))

    async def switch_profile(self, profile_id: str) -> None:
        await self._call(
            "POST",
            f"profiles/{quote(profile_id, safe='')}",
            Phrase("switch profiles"),
            ok=(204, 200),
        )

    async def delete_profile(self, profile_id: str) -> None:
        await self._call(
            "DELETE",
            f"profiles/{quote(profile_id, safe='')}",
            Phrase("delete a profile"),
            ok=(204, 200),
        )

    async def ping(
        self, ip: str, *, kind: str = "disco", timeout_s: float = PING_TIMEOUT_S
    ) -> PingResult:
        """A Tailscale-level ping; no answer within `timeout_s` is a result with `err` set."""
        try:
            response = await self._call(
                "POST",
                "ping",
                Phrase("ping the cloud PC"),
                params={"ip": ip, "type": kind},
                timeout_s=timeout_s,
            )
        except TailscaleApiError as error:
            return PingResult.parse({"IP": ip, "Err": error.detail})
        except _PingTimeout:
            return PingResult.parse({"IP": ip, "Err": f"no reply within {timeout_s:g} s"})
        return PingResult.parse(_json(response, Phrase("ping the cloud PC")))

    def watch_ipn_bus(self, mask: int = BUS_MASK) -> IpnBus:
        """`async with client.watch_ipn_bus() as bus: async for note in bus: ...`"""
        return IpnBus(self, mask)

    # -- plumbing --------------------------------------------------------------

    async def _call(
        self,
        method: str,
        name: str,
        what: Phrase,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        ok: Sequence[int] = (200,),
        timeout_s: float | None = None,
        secret: str | None = None,
    ) -> Answer:
        """One whole exchange: the answer is read (capped) before it is returned."""
        timeout = self.timeout if timeout_s is None else timeout_s
        request = self._http.build_request(
            method, PREFIX + name, params=params, json=json, timeout=timeout
        )
        try:
            response = await exchange(self._http, request, deadline_s=timeout * DEADLINE_FACTOR)
        except (httpx.TimeoutException, DeadlineExceeded) as exc:
            if name == "ping" and not isinstance(exc, httpx.ConnectTimeout):
                raise _PingTimeout from None
            raise self._too_slow(what) from None
        except httpx.TransportError as exc:
            raise await self.unreachable(exc) from None
        except (ExchangeError, httpx.HTTPError) as exc:
            raise self._unreadable(what, exc) from None
        log.debug("LocalAPI %s %s -> %d", method, name, response.status_code)
        if response.status_code not in ok:
            raise self._http_error(what, response.status_code, response.body, secret)
        return response

    def _too_slow(self, what: Phrase) -> TailscaleError:
        return TailscaleError(
            "Tailscale did not answer in time when asked to {what}. Check that it "
            "works (`tailscale status`) and try again.",
            what=what,
        )

    def _unreadable(self, what: Phrase, exc: Exception) -> TailscaleError:
        why: object
        if isinstance(exc, BodyTooLarge):
            why = Phrase("it was far larger than any real one")
        else:  # a wrong Content-Encoding, a malformed answer
            why = str(exc) if isinstance(exc, ExchangeError) else type(exc).__name__
        return TailscaleError(
            "Tailscale sent an answer this app cannot read when asked to {what} ({why}). "
            "Check that it works (`tailscale status`); updating Tailscale may help.",
            what=what,
            why=why,
        )

    def _http_error(
        self, what: Phrase, status: int, body: bytes, secret: str | None = None
    ) -> TailscaleError:
        detail = error_text(body)
        if secret:
            detail = detail.replace(secret, "<auth key>")
        if status == 403 and "access denied" in detail.lower():
            return TailscaleNoPermission(detail)
        if status == 401 and "in use by" in detail.lower():
            return TailscaleNoPermission(detail, platform="win32")
        return TailscaleApiError(what, status, detail)

    async def unreachable(self, exc: Exception) -> TailscaleError:
        """Why tailscaled cannot be reached: not installed, or installed but not running."""
        log.debug("LocalAPI at %s unreachable: %s", self.endpoint.describe(), type(exc).__name__)
        if isinstance(exc, httpx.ConnectError | OSError):
            installed = await asyncio.to_thread(self._installed)
            if not installed:
                return TailscaleNotInstalled()
            return TailscaleNotRunning(self.endpoint.describe())
        return TailscaleError(
            "The connection to Tailscale broke ({reason}). Check that it works "
            "(`tailscale status`) and try again.",
            reason=type(exc).__name__,
        )

    async def _open_bus(self, mask: int) -> httpx.Response:
        # A deadline for connecting and for the headers; none between messages.
        what = Phrase("watch its state")
        request = self._http.build_request(
            "GET",
            PREFIX + "watch-ipn-bus",
            params={"mask": str(mask)},
            timeout=httpx.Timeout(self.timeout, read=None),
        )
        try:
            response = await send_headers(
                self._http, request, deadline_s=self.timeout * DEADLINE_FACTOR
            )
        except (httpx.TimeoutException, DeadlineExceeded):
            raise self._too_slow(what) from None
        except httpx.TransportError as exc:
            raise await self.unreachable(exc) from None
        except httpx.HTTPError as exc:
            raise self._unreadable(what, exc) from None
        log.debug("LocalAPI GET watch-ipn-bus -> %d", response.status_code)
        if response.status_code != 200:
            try:
                body = await read_capped(response)
            except (ExchangeError, httpx.HTTPError):
                body = b""
            finally:
                await response.aclose()
            raise self._http_error(what, response.status_code, body)
        return response


class _PingTimeout(Exception):
    pass


class IpnBus:
    """The IPN bus as an async iterator of `Notify`, open while inside `async with`.

    Entering returns once tailscaled has registered the watcher, so nothing that
    happens afterwards is missed. Iteration ends when tailscaled closes the stream.
    """

    def __init__(self, client: LocalClient, mask: int) -> None:
        self._client = client
        self._mask = mask
        self._response: httpx.Response | None = None
        self._lines: Any = None

    async def __aenter__(self) -> IpnBus:
        self._response = await self._client._open_bus(self._mask)
        self._lines = self._response.aiter_lines()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._response is not None:
            await self._response.aclose()
            self._response = None

    def __aiter__(self) -> IpnBus:
        return self

    async def __anext__(self) -> Notify:
        if self._lines is None:
            raise RuntimeError("enter the bus with `async with` first")
        while True:
            try:
                line = await self._lines.__anext__()
            except httpx.TransportError as exc:
                raise await self._client.unreachable(exc) from None
            except httpx.HTTPError as exc:  # e.g. a body in an encoding it cannot decode
                raise self._client._unreadable(Phrase("watch its state"), exc) from None
            line = line.strip()
            if not line:
                continue
            try:
                raw = json.loads(line)
            except ValueError:
                log.debug("IPN bus: skipped a line that is not JSON")
                continue
            note = Notify.parse(raw)
            log.debug(
                "IPN bus: state=%s err=%s login_finished=%s",
                note.state,
                bool(note.err_message),
                note.login_finished,
            )
            return note


def _json(answer: Answer, what: Phrase) -> Any:
    try:
        return answer.json()
    except (ValueError, RecursionError):
        raise TailscaleApiError(
            what, answer.status_code, Phrase("the answer is not JSON")
        ) from None


def _transport_for(endpoint: LocalEndpoint) -> httpx.AsyncBaseTransport:
    if endpoint.kind == "unix":
        # Plain HTTP over the socket (BASE_URL is http://): no TLS is ever spoken, so
        # no verifying context either (the default loads the CA bundle: 40-70 ms, 0.8 MiB).
        return httpx.AsyncHTTPTransport(uds=endpoint.address, verify=False)
    if endpoint.kind == "pipe":
        path = endpoint.address
        return OpenerTransport(lambda: open_windows_pipe(path))
    host, _, port = endpoint.address.rpartition(":")
    return OpenerTransport(lambda: asyncio.open_connection(host, int(port)))


async def connect_default(
    env: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    search_dirs: Sequence[str] | None = None,
) -> LocalClient:
    """A client for this computer's tailscaled (see `endpoint` for how it is found).

    Nothing is sent yet: call `TailnetJoiner.check_ready()` to learn whether
    Tailscale is installed, running and writable.
    """
    endpoint = await discover_endpoint(env, platform=platform)

    def installed() -> bool:
        return find_tailscale(env, platform=platform, search_dirs=search_dirs) is not None

    return LocalClient(endpoint, timeout=timeout_s, installed=installed)
