"""Errors as the user reads them: the presenter renders an error's template and
parameters in the current language; the CLI prints them that way; logs keep English."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from pawpado_desktop.api.errors import InsufficientCredits, api_error
from pawpado_desktop.api.models import Credits
from pawpado_desktop.cli.main import report
from pawpado_desktop.core.play import _insufficient
from pawpado_desktop.core.settings import SettingsInvalid, checked_server
from pawpado_desktop.present import i18n
from pawpado_desktop.present.errors import error_text, error_title
from pawpado_desktop.tailscale.errors import TailscaleNotRunning


@pytest.fixture
def indonesian() -> Iterator[None]:
    i18n.set_language("id")
    try:
        yield
    finally:
        i18n.set_language("en")


def _short_of_credit() -> InsufficientCredits:
    credits = Credits(Decimal(2500), "IDR", Decimal(500), Decimal(7500), 10.0, 100.0)
    return _insufficient(credits)


def test_money_is_formatted_and_the_sentence_translated(indonesian: None) -> None:
    error = _short_of_credit()
    assert error_title(error) == "Saldo tidak cukup"
    text = error_text(error)
    assert text.startswith("Saldo Anda Rp 2.500; untuk memulai perlu minimal Rp 7.500")
    assert "`pawpado-desktop play --topup" in text  # commands stay as they are
    assert error.message.startswith("Your balance is Rp 2.500;")  # logs and tests: English


def test_server_text_is_shown_as_it_came(indonesian: None) -> None:
    error = api_error(400, {"error": "VALIDATION_ERROR", "message": "bitrateKbps: too high"}, {})
    assert error_title(error) == "Nilai tidak valid"
    assert error_text(error) == "Pawpado tidak menerima sebuah nilai: bitrateKbps: too high."


def test_translatable_fragments_are_translated_too(indonesian: None) -> None:
    error = TailscaleNotRunning("/run/tailscale/tailscaled.sock", platform="linux")
    assert error_text(error) == (
        "Tailscale sudah terpasang, tetapi layanan latarnya tidak menjawab "
        "(/run/tailscale/tailscaled.sock). Jalankan dengan "
        "`sudo systemctl enable --now tailscaled`, lalu coba lagi."
    )


def test_each_refused_setting_is_named_in_the_language(indonesian: None) -> None:
    with pytest.raises(SettingsInvalid) as caught:
        checked_server({"streamFps": 75, "nope": 1})
    text = error_text(caught.value)
    assert "streamFps: harus salah satu dari 30, 60, 90, 120" in text
    assert "nope: bukan pengaturan" in text
    assert "streamFps: must be one of 30, 60, 90, 120" in caught.value.message


def test_the_cli_prints_an_error_in_indonesian(
    indonesian: None, capsys: pytest.CaptureFixture[str]
) -> None:
    report(_short_of_credit())
    err = capsys.readouterr().err
    assert err.startswith("Saldo tidak cukup: Saldo Anda Rp 2.500;")


def test_the_cli_prints_english_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    report(_short_of_credit())
    assert capsys.readouterr().err.startswith("Not enough credit: Your balance is Rp 2.500;")
