"""The CLI speaks the user's language: the `language` setting, else LANG and co.

Machine output (`--json`, exit codes) stays the same in every language.

One `--help` runs as a real process with LANG set, as a user starts it; the rest run
in process (`Cli.call`: the same entry point and environment, no interpreter start).
"""

from __future__ import annotations

import json
from pathlib import Path

from pawpado_desktop.errors import ExitCode
from tests.support.cli import Cli

INDONESIAN = "id_ID.UTF-8"
ENGLISH = "en_US.UTF-8"


def test_help_and_usage_errors_in_indonesian(cli: Cli) -> None:
    done = cli.run("--help", LANG=INDONESIAN)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("penggunaan: pawpado-desktop")
    assert "opsi:" in done.stdout and "tampilkan pesan bantuan ini lalu keluar" in done.stdout
    assert "masuk dengan akun Huudis Anda" in done.stdout  # a command's summary
    assert "usage:" not in done.stdout and "show this help" not in done.stdout

    play = cli.call("play", "--help", LANG=INDONESIAN)
    assert "(bawaan: " in play.stdout and "(default: " not in play.stdout

    wrong = cli.call("history", "--days", "0", LANG=INDONESIAN)
    assert wrong.returncode == 2
    assert "kesalahan: argumen --days: jumlah hari harus antara 1 dan 366" in wrong.stderr


def test_commands_speak_indonesian_and_json_stays_english(cli: Cli) -> None:
    out = cli.call("logout", LANG=INDONESIAN)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Anda memang belum masuk."

    cli.sign_in()
    shown = cli.call("settings", LANG=INDONESIAN)
    assert shown.returncode == 0, shown.stderr
    assert "Komputer ini:" in shown.stdout and "Akun Anda (semua perangkat):" in shown.stdout
    assert "display_mode = fullscreen" in shown.stdout  # names and values as typed

    as_json = {
        lang: cli.call("settings", "get", "--json", LANG=lang) for lang in (ENGLISH, INDONESIAN)
    }
    assert as_json[INDONESIAN].stdout == as_json[ENGLISH].stdout
    assert json.loads(as_json[INDONESIAN].stdout)["local"]["language"] == "system"

    status = {lang: cli.call("status", "--json", LANG=lang) for lang in (ENGLISH, INDONESIAN)}
    assert status[INDONESIAN].returncode == status[ENGLISH].returncode == ExitCode.OK
    assert set(json.loads(status[INDONESIAN].stdout)) == set(json.loads(status[ENGLISH].stdout))


def test_the_setting_overrides_lang(cli: Cli) -> None:
    chosen = cli.call("settings", "set", "language=id", LANG=ENGLISH)
    assert chosen.returncode == 0, chosen.stderr
    out = cli.call("logout", LANG=ENGLISH)
    assert out.stdout.strip() == "Anda memang belum masuk."
    assert cli.call("--help", LANG=ENGLISH).stdout.startswith("penggunaan:")

    english = cli.call("settings", "set", "language=en", LANG=INDONESIAN)
    assert english.returncode == 0, english.stderr
    out = cli.call("logout", LANG=INDONESIAN)
    assert out.stdout.strip() == "You were not signed in."
    assert cli.call("--help", LANG=INDONESIAN).stdout.startswith("usage:")


def test_lc_all_outranks_lang(cli: Cli) -> None:
    out = cli.call("logout", LANG=ENGLISH, LC_ALL=INDONESIAN)
    assert out.stdout.strip() == "Anda memang belum masuk."


def test_choosing_the_language_leaves_no_trace_on_a_fresh_computer(
    cli: Cli, tmp_path: Path
) -> None:
    fresh = tmp_path / "never-used"
    done = cli.call("--help", PAWPADO_CONFIG_DIR=str(fresh))
    assert done.returncode == ExitCode.OK and "usage" in done.stdout
    assert not fresh.exists()  # reading the language setting created no folder
