"""The one gate for URLs opened in a browser, driven by hypothesis."""

from __future__ import annotations

import webbrowser
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pawpado_desktop.cli.terminal import plain
from pawpado_desktop.errors import ExitCode
from pawpado_desktop.safe_url import (
    UnsafeUrl,
    browser_url,
    checkout_url,
    on_site,
    open_in_browser,
    sign_in_url,
    site_of,
)

ISSUER = "https://huudis.com"

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
names = st.lists(label, min_size=1, max_size=4).map(".".join).filter(
    lambda h: not h.split(".")[-1].isdigit() and not h.split(".")[-1].startswith("0x")
)
paths = st.from_regex(r"(/[A-Za-z0-9._~%!$&'()*+,;=:-]{0,12}){0,3}", fullmatch=True)
queries = st.from_regex(r"(\?[A-Za-z0-9._~%!$&'()*+,;=:/-]{0,20})?", fullmatch=True)
ports = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))


@st.composite
def https_urls(draw: st.DrawFn, host: st.SearchStrategy[str] = names) -> str:
    return f"https://{draw(host)}{draw(ports)}{draw(paths)}{draw(queries)}"


HOSTILE = [
    "file:///etc/shadow",
    "FILE:///C:/Windows/System32/calc.exe",
    "file://host/share/setup.exe",
    "\\\\host\\share\\setup.exe",
    "//host/share/setup.exe",
    "C:\\Windows\\System32\\calc.exe",
    "C:/Windows/System32/calc.exe",
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox",
    "ms-settings:network",
    "http://pay.attacker.example/checkout",
    "http://huudis.com/device",
    "https://user:pass@huudis.com/device",
    "https://huudis.com@evil.example/device",
    "https://huudis.com\\@evil.example/",
    "https:/\\evil.example/",
    "https:evil.example/",
    "https:///evil.example/",
    " https://huudis.com/",
    "https://huudis.com/\n",
    "https://huu\tdis.com/",
    "https://huudis.com/\x1b[2J",
    "https://huudis.com/\u202egnp.exe",
    "https://xn--hudis-xxx.com%2f@evil.example/",
    "https://evil%2eexample/",
    "https://2130706433/",
    "https://0x7f.0.0.1/",
    "https://127.1/",
    "https://[fe80::1%25eth0]/",
    "https://huudis.com:0/",
    "https://huudis.com:99999/",
    "https://",
    "",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_addresses_are_refused_with_a_message_naming_no_path(url: str) -> None:
    with pytest.raises(UnsafeUrl) as refused:
        browser_url(url)
    message = refused.value.message
    assert refused.value.exit_code is ExitCode.NETWORK
    assert "Nothing was opened" in message
    for secret in ("shadow", "setup.exe", "calc.exe", "cookie", "checkout", "device"):
        assert secret not in message
    assert plain(message) == message  # nothing that would move a terminal's cursor


def test_the_refusal_names_the_host() -> None:
    for url, shown in [
        ("http://pay.attacker.example/checkout?code=ABCD", "on pay.attacker.example"),
        ("\\\\fileserver\\share\\run.exe", "on fileserver (a network path)"),
        ("file://fileserver/share/run.exe", "on fileserver (a file: address)"),
        ("file:///etc/shadow", "(a file: address, no host)"),
        ("javascript:alert(1)", "(a javascript: address, no host)"),
        ("https://user:pw@huudis.com/x", "on huudis.com"),
        ("C:\\Windows\\calc.exe", "(a Windows path, no host)"),
    ]:
        with pytest.raises(UnsafeUrl) as refused:
            browser_url(url)
        assert shown in refused.value.message, refused.value.message
        assert "ABCD" not in refused.value.message and "pw" not in refused.value.message


@given(https_urls())
@example("https://huudis.com/device?user_code=ABCD-EFGH")
@example("https://[2001:db8::1]:8443/x")
def test_plain_https_addresses_pass_and_every_parser_sees_the_same_host(url: str) -> None:
    page = browser_url(url)
    assert page.url == url
    assert page.host.strip("[]") == urlsplit(url).hostname
    assert page.host.strip("[]") == httpx.URL(url).host
    assert page.host in repr(page) and "?" not in repr(page)


@given(st.text(max_size=80))
def test_any_text_passes_only_as_a_plain_web_address(text: str) -> None:
    try:
        page = browser_url(text)
    except UnsafeUrl as refused:
        assert refused.message.startswith("The server sent a web page address ")
        return
    parts = urlsplit(text)
    assert parts.scheme in ("https", "http")
    assert all("!" <= ch <= "~" for ch in text) and "\\" not in text
    assert "@" not in parts.netloc
    assert page.host


@given(st.sampled_from(["file", "javascript", "data", "ftp", "ws", "wss", "chrome", "smb"]),
       names, paths)
def test_no_other_scheme_ever(scheme: str, host: str, path: str) -> None:
    with pytest.raises(UnsafeUrl):
        browser_url(f"{scheme}://{host}{path}")
    with pytest.raises(UnsafeUrl):
        browser_url(f"{scheme}:{host}{path}")


@given(names, ports, paths)
def test_plain_http_only_to_this_computer(host: str, port: str, path: str) -> None:
    if host == "localhost":
        assert browser_url(f"http://{host}{port}{path}").host == "localhost"
        return
    with pytest.raises(UnsafeUrl):
        browser_url(f"http://{host}{port}{path}")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "[::1]", "localhost"])
def test_the_simulator_on_loopback_http_passes(host: str) -> None:
    assert browser_url(f"http://{host}:8123/huudis/device").host == host


@given(st.text(alphabet=st.characters(), min_size=1, max_size=3), https_urls())
def test_whitespace_control_and_non_ascii_anywhere_refuse(bad: str, url: str) -> None:
    if all("!" <= ch <= "~" and ch != "\\" for ch in bad):
        return
    for at in (0, len("https://"), len(url)):
        with pytest.raises(UnsafeUrl):
            browser_url(url[:at] + bad + url[at:])


# -- sign-in pages: on the issuer's site ---------------------------------------------


@pytest.mark.parametrize(
    ("issuer_host", "site"),
    [
        ("huudis.com", "huudis.com"),
        ("auth.huudis.com", "huudis.com"),
        ("a.b.huudis.com", "huudis.com"),
        ("huudis.co.id", "huudis.co.id"),
        ("login.huudis.co.id", "huudis.co.id"),
        ("huudis.ac.id", "huudis.ac.id"),
        ("sso.huudis.co.uk", "huudis.co.uk"),
        ("huudis.id", "huudis.id"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_the_registrable_domain_is_taken_conservatively(issuer_host: str, site: str) -> None:
    assert site_of(issuer_host) == site


@given(st.lists(label, max_size=3), paths)
def test_sign_in_pages_under_the_issuers_domain_pass(sub: list[str], path: str) -> None:
    host = ".".join([*sub, "huudis.com"])
    for issuer in ("https://huudis.com", "https://auth.huudis.com/realm"):
        assert sign_in_url(f"https://{host}{path}", issuer).host == host


@given(names)
@example("evilhuudis.com")
@example("huudis.com.evil.example")
@example("co.id")
@example("other.co.id")
def test_sign_in_pages_elsewhere_are_refused(host: str) -> None:
    if host == "huudis.com" or host.endswith(".huudis.com"):
        return
    with pytest.raises(UnsafeUrl) as refused:
        sign_in_url(f"https://{host}/device?user_code=WXYZ", ISSUER)
    assert f"on {host}," in refused.value.message and "WXYZ" not in refused.value.message
    assert "huudis.com" in refused.value.message
    assert not on_site(host, "huudis.com")


def test_a_shared_second_level_does_not_make_neighbours_alike() -> None:
    assert not on_site("attacker.co.id", "huudis.co.id")
    assert not on_site("co.id", "huudis.co.id")
    assert on_site("login.huudis.co.id", "huudis.co.id")


def test_an_issuer_on_an_address_matches_only_itself() -> None:
    assert sign_in_url("http://127.0.0.1:9/huudis/device", "http://127.0.0.1:9/huudis")
    for other in ("http://127.0.0.2:9/", "http://localhost:9/", "https://0.1/"):
        with pytest.raises(UnsafeUrl):
            sign_in_url(other, "http://127.0.0.1:9/huudis")


def test_the_checkout_must_be_https() -> None:
    assert checkout_url("https://pay.plugipay.example/c/123").host == "pay.plugipay.example"
    with pytest.raises(UnsafeUrl, match=r"on pay\.attacker\.example"):
        checkout_url("http://pay.attacker.example/checkout")


# -- the opener -----------------------------------------------------------------------


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    opened: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", record)
    yield opened


async def test_the_opener_refuses_before_the_browser_is_called(browser: list[str]) -> None:
    from pawpado_desktop.core.wiring import open_in_browser as factory_open

    for url in HOSTILE:
        with pytest.raises(UnsafeUrl):
            await open_in_browser(url)
        with pytest.raises(UnsafeUrl):
            await factory_open(url)
    assert browser == []
    assert await open_in_browser("https://huudis.com/device")
    await factory_open("http://127.0.0.1:8000/_sim/checkout/1")
    assert browser == ["https://huudis.com/device", "http://127.0.0.1:8000/_sim/checkout/1"]


@given(st.text(max_size=40))
def test_terminal_text_has_no_control_characters(text: str) -> None:
    import unicodedata

    cleaned = plain(text)
    assert all(unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn") for ch in cleaned)
    assert "\u202e" not in cleaned and "\x1b" not in cleaned
