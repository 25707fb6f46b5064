"""What may be opened in a browser: the one gate for every URL a server hands us.

A URL from the network is opened only when it is a plain web address:
- `https`, or `http` only to a loopback host (the simulator); no other scheme ever
  (`file:`, `javascript:`, `data:`, a Windows or UNC path: on Windows the browser
  launcher hands the string to the shell, where a path runs a program);
- printable ASCII only: no whitespace, control or bidi characters, no backslash
  (browsers "repair" those in ways other parsers do not, so two readers could see
  two different hosts);
- an authority (`scheme://host`), no user name or password in it, a host that is a
  DNS name of letter-digit-hyphen labels or a canonical IP address (no `0x7f.1`
  or `2130706433`, which browsers read as addresses), and a valid port.

Sign-in pages must also be on the issuer's site: the issuer's host itself, or a
host under its registrable domain. Without a public-suffix list that domain is
taken conservatively: the issuer host's last two labels (`auth.huudis.com` ->
`huudis.com`), or its last three when it ends in a two-letter country code under
a known shared second level (`huudis.co.id` -> `huudis.co.id`, never `co.id`); an
IP address or a one-label host matches only itself. An issuer on a shared hosting
domain (`*.github.io`) would make that rule too wide; Huudis is not on one.

A refused URL raises `UnsafeUrl`, whose message names the host and never the
whole address (its query may carry a sign-in code).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import webbrowser
from dataclasses import dataclass
from urllib.parse import urlsplit

from pawpado_desktop.config import secure_transport
from pawpado_desktop.errors import ExitCode, PawpadoError, Phrase

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 4096
# Second levels that registries share between unrelated owners under a country code.
SHARED_SECOND_LEVELS = frozenset(
    {"ac", "co", "com", "edu", "go", "gob", "gov", "mil", "my", "ne", "net", "or", "org",
     "sch", "web", "biz", "ltd", "plc", "nom"}
)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,15}")
_SHOWABLE_HOST = re.compile(r"[A-Za-z0-9.\-:\[\]]{1,80}")


class UnsafeUrl(PawpadoError):
    """A server sent an address this app will not open."""

    title = "Unsafe address refused"
    exit_code = ExitCode.NETWORK  # a server problem: the answer was unusable


@dataclass(frozen=True)
class OpenableUrl:
    """A URL that passed the gate, with the host to show before opening it."""

    url: str
    host: str  # for display: the host alone (IPv6 in brackets), never the path or query

    def __repr__(self) -> str:  # the path may carry a sign-in code: keep it out of logs
        return f"OpenableUrl(host={self.host!r})"


def browser_url(url: object, *, what: str = "web page", sender: str = "The server") -> OpenableUrl:
    """`url` if it may be opened in a browser; raises UnsafeUrl naming its host."""
    problem = url_problem(url)
    if problem is not None:
        raise _refused(url, what, sender, problem)
    assert isinstance(url, str)
    parts = urlsplit(url)
    host = parts.hostname or ""
    return OpenableUrl(url, f"[{host}]" if ":" in host else host)


def sign_in_url(url: object, issuer_url: str) -> OpenableUrl:
    """A sign-in page: openable, and on the issuer's site (see the module doc)."""
    sender = "Huudis sign-in"
    checked = browser_url(url, what="sign-in page", sender=sender)
    issuer_host = (urlsplit(issuer_url).hostname or "").lower()
    host = checked.host.strip("[]")
    if not on_site(host, issuer_host):
        raise UnsafeUrl(
            "{sender} sent a sign-in page on {host}, which is not part of "
            "{site}. Nothing was opened. Check PAWPADO_AUTH_URL; if it is "
            "right, try again later or contact Pawpado support.",
            sender=sender,
            host=checked.host,
            site=site_of(issuer_host),
        )
    return checked


def checkout_url(url: object) -> OpenableUrl:
    """A payment page: openable (https, or loopback http for the simulator)."""
    return browser_url(url, what="checkout page", sender="Pawpado")


def site_of(host: str) -> str:
    """The registrable domain of `host`, taken conservatively (see the module doc)."""
    host = host.lower()
    if _is_ip(host):
        return host
    labels = host.split(".")
    keep = 2
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SHARED_SECOND_LEVELS:
        keep = 3
    return ".".join(labels[-keep:])


def on_site(host: str, issuer_host: str) -> bool:
    """Whether `host` is the issuer's host or under the issuer's registrable domain."""
    host, issuer_host = host.lower(), issuer_host.lower()
    if not issuer_host:
        return False
    if host == issuer_host:
        return True
    if _is_ip(host) or _is_ip(issuer_host) or "." not in issuer_host:
        return False
    site = site_of(issuer_host)
    return host == site or host.endswith("." + site)


async def open_in_browser(url: str, *, what: str = "web page") -> bool:
    """Open `url` if the gate allows it, without blocking the loop; False: no browser.

    Raises UnsafeUrl (nothing opened) for anything but a plain web address.
    """
    checked = browser_url(url, what=what)
    log.info("opening a %s on %s", what, checked.host)
    # webbrowser may start a process and wait for it.
    opened = await asyncio.to_thread(webbrowser.open, checked.url)
    if not opened:
        log.warning("no browser could be opened")
    return bool(opened)


# -- the checks ---------------------------------------------------------------------


def url_problem(url: object) -> Phrase | None:
    """Why `url` is not a safe web address from a server, or None: the check behind
    every URL a browser opens and the game tailnet's control URL."""
    if not isinstance(url, str) or not url:
        return Phrase("it is empty")
    if len(url) > MAX_URL_LENGTH:
        return Phrase("it is far too long")
    if any(not ("!" <= ch <= "~") for ch in url):
        return Phrase("it contains spaces, control characters or non-ASCII characters")
    if "\\" in url:
        return Phrase("it contains a backslash (a Windows path)")
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https") or not rest.startswith("//"):
        return Phrase("it is not a web address")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
        host = parts.hostname
    except ValueError:
        return Phrase("its host or port cannot be read")
    if "@" in parts.netloc:
        return Phrase("it carries a user name or password")
    if not host:
        return Phrase("it has no host")
    if port == 0:
        return Phrase("its port cannot be read")
    if not _valid_host(host):
        return Phrase("its host is not a plain host name or address")
    if not secure_transport(scheme, host):
        return Phrase("it is not a secure (https) address")
    return None


def _valid_host(host: str) -> bool:
    if ":" in host:  # IPv6, from inside brackets
        return "%" not in host and _is_ip(host)
    if len(host) > 253:
        return False
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return False
    last = labels[-1]
    if last.isdigit() or last.startswith("0x"):
        # Browsers read a numeric last label as an IPv4 address in any spelling.
        try:
            return str(ipaddress.IPv4Address(host)) == host
        except ValueError:
            return False
    return True


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


# What an address was for and who sent it, as the callers name them (others as they are).
_WHAT = {
    "web page": Phrase("web page"),
    "sign-in page": Phrase("sign-in page"),
    "checkout page": Phrase("checkout page"),
}
_SENDER = {"The server": Phrase("The server")}


def _refused(url: object, what: str, sender: str, problem: Phrase) -> UnsafeUrl:
    return UnsafeUrl(
        "{sender} sent a {what} address {where} that this app will not open: "
        "{problem}. Nothing was opened. Try again later; if it keeps happening, contact "
        "Pawpado support.",
        sender=_SENDER.get(sender, sender),
        what=_WHAT.get(what, what),
        where=_where(url),
        problem=problem,
    )


def _where(url: object) -> str:
    """Where a refused URL points, made safe to show: its host, never its path or query."""
    if not isinstance(url, str):
        return "(none)"
    text = url.replace("\\", "/")
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    kind = ""
    if sep and len(scheme) == 1 and scheme.isalpha():
        kind = "a Windows path"
    elif sep and _SCHEME.fullmatch(scheme) and scheme not in ("http", "https"):
        kind = f"a {scheme}: address"
    if text.startswith("//"):
        authority = text[2:]
        kind = kind or "a network path"
    elif sep and rest.startswith("//"):
        authority = rest[2:]
    else:
        authority = ""
    authority = re.split(r"[/?#]", authority, maxsplit=1)[0].rpartition("@")[2]
    if authority.startswith("["):
        host = authority.partition("]")[0] + "]"
    else:
        host = authority.partition(":")[0]
    if not host:
        return f"({kind or 'not a web address'}, no host)"
    shown = host.lower() if _SHOWABLE_HOST.fullmatch(host) else "an unreadable host"
    return f"on {shown} ({kind})" if kind else f"on {shown}"
