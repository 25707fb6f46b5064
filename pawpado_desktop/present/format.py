"""Money, durations, times and dates as the user reads them: the one formatter.

The tray and the CLI both write numbers through here, in the current language
(`i18n.language()`). Money is written the way its currency's home writes it
(Rp 60.000 in every language, as on receipts and the checkout page); other
currencies follow the language. Amounts stay Decimal end to end: digits are
grouped from the Decimal's own integer, never through a binary float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from pawpado_desktop.present.i18n import language, tr

# Currencies shown without minor units, and the symbols people expect.
WHOLE_UNITS = frozenset({"IDR", "JPY", "KRW", "VND"})
SYMBOLS = {"IDR": "Rp", "USD": "US$", "EUR": "€", "SGD": "S$", "MYR": "RM", "AUD": "A$"}
# The language whose separators a currency keeps whatever the UI's language.
HOME_LANGUAGE = {"IDR": "id", "USD": "en", "SGD": "en", "MYR": "en"}
# (thousands separator, decimal point)
SEPARATORS = {"en": (",", "."), "id": (".", ",")}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def plural(count: int, one: str, other: str, /, **values: object) -> str:
    """`one` or `other` by `count`, translated; both forms are catalogue keys
    (Indonesian gives both the same text: it does not inflect for number)."""
    return tr(one if count == 1 else other, count=count, **values)


def money(amount: Decimal, currency: str) -> str:
    """Rp 60.000, -Rp 2.500, US$ 1,234.50, € 1.234,50 (in Indonesian)."""
    digits = 0 if currency in WHOLE_UNITS else 2
    rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    group, point = SEPARATORS[HOME_LANGUAGE.get(currency, language())]
    sign = "-" if rounded < 0 else ""
    whole = int(abs(rounded))
    text = f"{whole:,}".replace(",", group)  # any size, no float
    if digits:
        fraction = abs(rounded) - whole
        text += point + f"{fraction:.{digits}f}".split(".")[1]
    return f"{sign}{SYMBOLS.get(currency, currency)} {text}"


def number(value: float) -> str:
    """A measured quantity, as short as it is exact: 37.5, 100 (37,5 in Indonesian)."""
    _, point = SEPARATORS[language()]
    text = f"{value:.2f}".rstrip("0").rstrip(".")  # never an exponent
    return text.replace(".", point)


def rate(amount: Decimal, currency: str) -> str:
    """A per-minute price: "Rp 500/min"."""
    return tr("{amount}/min", amount=money(amount, currency))


def minutes(count: int | None) -> str:
    """A span in whole minutes, short: "2 h 5 min", "45 min"; None is "unlimited"."""
    if count is None:
        return tr("unlimited")
    hours, mins = divmod(max(0, count), 60)
    if hours and mins:
        return tr("{hours} h {minutes} min", hours=hours, minutes=mins)
    if hours:
        return tr("{hours} h", hours=hours)
    return tr("{minutes} min", minutes=mins)


def duration(minutes: float) -> str:
    """A span in a sentence: "1 minute", "5 minutes", "15 seconds", "1 minute 30 seconds"."""
    total = max(0, round(minutes * 60))
    whole, seconds = divmod(total, 60)
    parts = []
    if whole:
        parts.append(plural(whole, "{count} minute", "{count} minutes"))
    if seconds or not whole:
        parts.append(plural(seconds, "{count} second", "{count} seconds"))
    return " ".join(parts)


def clock(seconds: float) -> str:
    """A countdown or an elapsed time: 4:05, 1:02:03."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"


def time_of_day(moment: datetime) -> str:
    """Local 24-hour time, as Indonesians and most English readers outside the US
    write it: 14:05 (14.05 in Indonesian)."""
    local = moment.astimezone()
    separator = "." if language() == "id" else ":"
    return f"{local.hour:02d}{separator}{local.minute:02d}"


def date(moment: datetime) -> str:
    """A local calendar date: 7 December 2026, 7 Desember 2026."""
    local = moment.astimezone()
    return f"{local.day} {tr(MONTHS[local.month - 1])} {local.year}"


def moment(when: datetime) -> str:
    """A local date and time: 7 December 2026 14:05."""
    return f"{date(when)} {time_of_day(when)}"
