"""Every notice and every Play remark is worded in English and Indonesian from the
core's data alone: no missing field, no template left half filled, server text as
it came, money and spans formatted for the language."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pawpado_desktop.core.facts import Detail, Param, Question, Remark
from pawpado_desktop.core.notices import Notice, NoticeKind, Topic
from pawpado_desktop.errors import Money, PawpadoError, SaveFailed
from pawpado_desktop.present import i18n
from pawpado_desktop.present.notices import NOTICES, notice_text, notice_title
from pawpado_desktop.present.progress import QUESTIONS, REMARKS, detail_text, question_text

SERVER_TEXT = "GPU {0} lost: {bad} 100%"  # braces from a server are not a template

SAMPLES: dict[Topic, dict[str, Param]] = {
    Topic.STREAM_ENDED: {"minutes": 5},
    Topic.STOPPED_BY_SERVER: {"message": SERVER_TEXT},
    Topic.SESSION_FOUND: {
        "state": "running",
        "minutes": 12,
        "cost": Money(Decimal(6000), "IDR"),
    },
    Topic.BALANCE_LOW: {"minutes": 25},
    Topic.BALANCE_LOW_PLAYING: {"minutes": 1},
    Topic.TOPUP_CREDITED: {
        "added": Money(Decimal(30000), "IDR"),
        "balance": Money(Decimal("1234567"), "IDR"),
    },
    Topic.CHECK_SESSION: {"problem": Detail(Remark.STOP_FAILED, error=PawpadoError("Boom."))},
    Topic.RELAYED: {"region": "Singapore"},
    Topic.FAILED: {"error": SaveFailed("It broke: {said}", said="the server said {x}.")},
    Topic.WORDED: {"title": "Debug info copied", "text": "Paste it {here}."},
}
REMARK_SAMPLES: dict[Remark, dict[str, Param]] = {
    Remark.CAPACITY_RETRY: {"seconds": 30, "attempt": 2, "attempts": 4},
    Remark.GRACE: {"minutes": 1.5},
    Remark.LEAVE_FAILED: {"error": PawpadoError("tailscaled went away.")},
    Remark.STOP_FAILED: {"error": PawpadoError("Pawpado did not answer.")},
    Remark.START_UNREACHABLE: {"error": PawpadoError("No network")},
    Remark.STOP_RETRY_UNREACHABLE: {"seconds": 2},
    Remark.STOP_RETRY_BUSY: {"status": 503, "seconds": 5},
    Remark.STOP_RETRY_FAILED: {"status": 500, "seconds": 4},
    Remark.STOP_RETRY_UNEXPECTED: {"seconds": 8},
}


def _filled(text: str) -> bool:
    """No field of ours left: the only braces are the server's own."""
    return "{" not in text.replace("{0}", "").replace("{bad}", "").replace("{x}", "").replace(
        "{here}", ""
    )


@pytest.mark.parametrize("topic", list(Topic))
def test_every_notice_is_worded_in_both_languages(topic: Topic, language: str) -> None:
    notice = Notice(NoticeKind.WARNING, topic, **SAMPLES.get(topic, {}))
    title, text = notice_title(notice), notice_text(notice)
    assert title and text, topic
    assert _filled(title) and _filled(text), (title, text)


@pytest.mark.parametrize("remark", list(Remark))
def test_every_remark_is_worded_in_both_languages(remark: Remark, language: str) -> None:
    text = detail_text([Detail(remark, **REMARK_SAMPLES.get(remark, {}))])
    assert text and _filled(text), text


@pytest.mark.parametrize("question", list(Question))
def test_every_question_is_worded_in_both_languages(question: Question, language: str) -> None:
    text = question_text(question)
    assert text.endswith(("?", ".)")) and _filled(text), text


def test_every_topic_remark_and_question_has_a_template() -> None:
    assert set(NOTICES) | {Topic.FAILED, Topic.WORDED} == set(Topic)
    assert set(REMARKS) == set(Remark)
    assert set(QUESTIONS) == set(Question)


def test_the_same_notice_in_english_and_in_indonesian() -> None:
    credited = Notice(
        NoticeKind.TOPUP_CREDITED, Topic.TOPUP_CREDITED, **SAMPLES[Topic.TOPUP_CREDITED]
    )
    found = Notice(NoticeKind.SESSION_FOUND, Topic.SESSION_FOUND, **SAMPLES[Topic.SESSION_FOUND])
    low = Notice(NoticeKind.LOW_BALANCE, Topic.BALANCE_LOW_PLAYING, minutes=1)
    assert notice_text(credited) == "Rp 30.000 was added; your balance is now Rp 1.234.567."
    assert notice_text(found) == (
        "A session is running (12 min, Rp 6.000 so far). Reconnect to it, or stop it."
    )
    assert "about 1 min more of play" in notice_text(low)
    i18n.set_language("id")
    try:
        assert notice_title(credited) == "Isi saldo masuk"
        assert notice_text(credited) == (
            "Rp 30.000 telah ditambahkan; saldo Anda sekarang Rp 1.234.567."
        )
        assert notice_text(found) == (
            "Ada sesi yang sedang berjalan (12 mnt, Rp 6.000 sejauh ini). "
            "Sambungkan lagi, atau hentikan."
        )
        assert "sekitar 1 mnt bermain lagi" in notice_text(low)
    finally:
        i18n.set_language("en")


def test_server_text_is_shown_as_it_came_never_as_a_template(language: str) -> None:
    said = Notice(NoticeKind.WARNING, Topic.STOPPED_BY_SERVER, message=SERVER_TEXT)
    assert SERVER_TEXT in notice_text(said)
    state = Notice(NoticeKind.SESSION_FOUND, Topic.SESSION_FOUND, state="hibernating {x}")
    assert "hibernating {x}" in notice_text(state)  # a state this version does not know


def test_optional_values_pick_the_text_without_them() -> None:
    relayed = notice_text(Notice(NoticeKind.WARNING, Topic.RELAYED, region=None))
    assert relayed.startswith("Your stream goes through a Tailscale relay server, which")
    bare = Notice(NoticeKind.SESSION_FOUND, Topic.SESSION_FOUND, state="starting")
    assert notice_text(bare) == "A session is starting. Reconnect to it, or stop it."
