"""Money and durations as the user reads them, with QLocale's digit grouping.

Money is written the way its currency's home locale writes it (Rp 60.000 for
rupiah, in every UI language, as on receipts and the checkout page); other
currencies follow the UI's locale. Amounts stay Decimal: QLocale gives the separators,
never a conversion, so no amount passes through a binary float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import QDate, QLocale, QTime

from pawpado_desktop.present.i18n import tr

# Currencies shown without minor units, and the symbols people expect.
WHOLE_UNITS = frozenset({"IDR", "JPY", "KRW", "VND"})
SYMBOLS = {"IDR": "Rp", "USD": "US$", "EUR": "€", "SGD": "S$", "MYR": "RM", "AUD": "A$"}
HOME_LOCALES = {
    "IDR": (QLocale.Language.Indonesian, QLocale.Country.Indonesia),
    "USD": (QLocale.Language.English, QLocale.Country.UnitedStates),
    "SGD": (QLocale.Language.English, QLocale.Country.Singapore),
    "MYR": (QLocale.Language.Malay, QLocale.Country.Malaysia),
}


def locale_for(language: str) -> QLocale:
    if language == "id":
        return QLocale(QLocale.Language.Indonesian, QLocale.Country.Indonesia)
    system = QLocale.system()
    if system.language() == QLocale.Language.English:
        return system
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


class MoneyFormat:
    def __init__(self, locale: QLocale) -> None:
        self.locale = locale

    def money(self, amount: Decimal, currency: str) -> str:
        digits = 0 if currency in WHOLE_UNITS else 2
        rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        sign = "-" if rounded < 0 else ""
        whole = int(abs(rounded))
        home = HOME_LOCALES.get(currency)
        locale = QLocale(*home) if home else self.locale
        text = f"{whole:,}".replace(",", locale.groupSeparator())  # any size, no float
        if digits:
            fraction = abs(rounded) - whole
            text += locale.decimalPoint() + f"{fraction:.{digits}f}".split(".")[1]
        return f"{sign}{SYMBOLS.get(currency, currency)} {text}"

    def time_of_day(self, moment: datetime) -> str:
        local = moment.astimezone()
        return self.locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)

    def date(self, moment: datetime) -> str:
        local = moment.astimezone()
        return self.locale.toString(
            QDate(local.year, local.month, local.day), QLocale.FormatType.LongFormat
        )

    @staticmethod
    def duration(minutes: int) -> str:
        hours, mins = divmod(max(0, minutes), 60)
        if hours and mins:
            return tr("{hours} h {minutes} min", hours=hours, minutes=mins)
        if hours:
            return tr("{hours} h", hours=hours)
        return tr("{minutes} min", minutes=mins)

    @staticmethod
    def clock(seconds: float) -> str:
        """A countdown or an elapsed time: 4:05, 1:02:03."""
        total = max(0, int(seconds))
        hours, rest = divmod(total, 3600)
        mins, secs = divmod(rest, 60)
        return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"
