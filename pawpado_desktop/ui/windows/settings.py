"""Settings: the account's preferences on Pawpado's server and this computer's own.

Server fields are saved with one PATCH of what changed; a rejected value is shown
next to its field (the contract's VALIDATION_ERROR names it). Local fields are
checked here and saved to settings.json.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pawpado_desktop.config import LocalSettings
from pawpado_desktop.core.types import Settings
from pawpado_desktop.present.i18n import tr
from pawpado_desktop.ui.windows.common import button, demo_banner, label, prepare

INSTANCE_TYPES = ("g4dn.xlarge", "g5.xlarge", "g5.2xlarge")
RESOLUTIONS = ("1280x720", "1920x1080", "2560x1440", "3840x2160")
FPS = (30, 60, 90, 120)


def _combo(choices: list[tuple[Any, str]], current: Any) -> QComboBox:
    widget = QComboBox()
    values = [value for value, _ in choices]
    if current not in values:  # a value a newer server offers: keep it selectable
        choices = [*choices, (current, str(current))]
    for value, text in choices:
        widget.addItem(text, value)
    widget.setCurrentIndex(widget.findData(current))
    return widget


def _spin(low: int, high: int, value: int, *, unit: str = "", zero: str = "") -> QSpinBox:
    widget = QSpinBox()
    widget.setRange(low, high)
    widget.setValue(value)
    if unit:
        widget.setSuffix(f" {unit}")
    if zero:
        widget.setSpecialValueText(zero)
    return widget


class SettingsDialog(QWidget):
    save = Signal()

    def __init__(self, *, demo: bool, local: LocalSettings) -> None:
        super().__init__()
        prepare(self, tr("Settings"), demo=demo)
        self.setMinimumWidth(520)
        self.local = local
        self.server: Settings | None = None
        self.server_fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.tabs = QTabWidget()
        self.server_page = QWidget()
        self.server_form = QFormLayout(self.server_page)
        self.server_note = label(tr("Loading your account's settings…"), "muted")
        self.server_form.addRow(self.server_note)
        self.tabs.addTab(self.server_page, tr("Your account"))
        self.tabs.addTab(self._local_page(local), tr("This computer"))
        self.status = label("", "muted")
        self.save_button = button(tr("&Save"), "primary")
        self.save_button.setDefault(True)
        self.cancel_button = button(tr("Cancel"))
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        if demo:
            layout.addWidget(demo_banner())
        layout.addWidget(self.tabs)
        layout.addLayout(buttons)

    # -- server ---------------------------------------------------------------

    def server_unavailable(self, message: str) -> None:
        self.server_note.setText(message)

    def show_server(self, settings: Settings) -> None:
        self.server = settings
        self.server_note.setText(tr("Saved with your Pawpado account, on every device."))
        rows: list[tuple[str, str, QWidget]] = [
            (
                "instanceType",
                tr("Gaming PC"),
                _combo([(t, t) for t in INSTANCE_TYPES], settings.instance_type),
            ),
            (
                "streamResolution",
                tr("Resolution"),
                _combo(
                    [(r, r.replace("x", " × ")) for r in RESOLUTIONS], settings.stream_resolution
                ),
            ),
            (
                "streamFps",
                tr("Frame rate"),
                _combo([(f, tr("{fps} fps", fps=f)) for f in FPS], settings.stream_fps),
            ),
            (
                "bitrateKbps",
                tr("Bitrate"),
                _spin(500, 150000, settings.bitrate_kbps, unit="kbps"),
            ),
            (
                "autoStopIdleMinutes",
                tr("Stop when idle for"),
                _spin(0, 240, settings.auto_stop_idle_minutes, unit=tr("min"), zero=tr("Never")),
            ),
            (
                "lowBalanceAlertMinutes",
                tr("Warn when the balance lasts under"),
                _spin(0, 600, settings.low_balance_alert_minutes, unit=tr("min"), zero=tr("Never")),
            ),
            (
                "locale",
                tr("Language of emails and receipts"),
                _combo([("en", "English"), ("id", "Bahasa Indonesia")], settings.locale),
            ),
        ]
        for name, text, widget in rows:
            widget.setObjectName(name)
            self.server_fields[name] = widget
            self.server_form.addRow(text, widget)
            self._error_row(self.server_form, name)

    def show_saved(self, settings: Settings) -> None:
        self.server = settings

    def server_changes(self) -> dict[str, Any]:
        """The PATCH body: only the fields the user changed."""
        if self.server is None:
            return {}
        before = {
            "instanceType": self.server.instance_type,
            "streamResolution": self.server.stream_resolution,
            "streamFps": self.server.stream_fps,
            "bitrateKbps": self.server.bitrate_kbps,
            "autoStopIdleMinutes": self.server.auto_stop_idle_minutes,
            "lowBalanceAlertMinutes": self.server.low_balance_alert_minutes,
            "locale": self.server.locale,
        }
        changes: dict[str, Any] = {}
        for name, widget in self.server_fields.items():
            value = (
                widget.currentData()
                if isinstance(widget, QComboBox)
                else (widget.value() if isinstance(widget, QSpinBox) else None)
            )
            if value is not None and value != before[name]:
                changes[name] = value
        return changes

    # -- local ----------------------------------------------------------------

    def _local_page(self, local: LocalSettings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.moonlight_path = QLineEdit(local.moonlight_path)
        self.moonlight_path.setPlaceholderText(tr("Found automatically"))
        browse = button(tr("Browse…"))
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.moonlight_path, 1)
        path_row.addWidget(browse)
        self.moonlight_app = QLineEdit(local.moonlight_app)
        self.display_mode = _combo(
            [
                ("fullscreen", tr("Full screen")),
                ("borderless", tr("Borderless window")),
                ("windowed", tr("Window")),
            ],
            local.display_mode,
        )
        self.grace = _spin(
            0, 240, local.stop_grace_minutes, unit=tr("min"), zero=tr("Stop at once")
        )
        self.launch_at_login = QCheckBox(tr("Start Pawpado when I log in"))
        self.launch_at_login.setChecked(local.launch_at_login)
        self.notification_level = _combo(
            [("all", tr("All")), ("important", tr("Important only"))], local.notification_level
        )
        self.language = _combo(
            [("system", tr("Same as the system")), ("en", "English"), ("id", "Bahasa Indonesia")],
            local.language,
        )
        rows: list[tuple[str, str, Any]] = [
            ("moonlight_path", tr("Moonlight program"), path_row),
            ("moonlight_app", tr("App to stream"), self.moonlight_app),
            ("display_mode", tr("Display mode"), self.display_mode),
            ("stop_grace_minutes", tr("After the stream ends, stop after"), self.grace),
            ("launch_at_login", "", self.launch_at_login),
            ("notification_level", tr("Notifications"), self.notification_level),
            ("language", tr("Language"), self.language),
        ]
        for name, text, widget in rows:
            form.addRow(text, widget)
            self._error_row(form, name)
        return page

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Choose the Moonlight program"))
        if path:
            self.moonlight_path.setText(path)

    def local_changes(self) -> dict[str, object]:
        """The edited local settings by key; the core checks them (errors come back per key)."""
        return {
            "moonlight_path": self.moonlight_path.text().strip(),
            "moonlight_app": self.moonlight_app.text().strip(),
            "display_mode": self.display_mode.currentData(),
            "stop_grace_minutes": self.grace.value(),
            "launch_at_login": self.launch_at_login.isChecked(),
            "notification_level": self.notification_level.currentData(),
            "language": self.language.currentData(),
        }

    # -- errors ---------------------------------------------------------------

    def _error_row(self, form: QFormLayout, name: str) -> None:
        error = label("", "error")
        error.setObjectName(f"error:{name}")
        error.hide()
        self.errors[name] = error
        form.addRow("", error)

    def clear_errors(self) -> None:
        for error in self.errors.values():
            error.hide()
        self.status.setText("")

    def field_error(self, name: str | None, message: str) -> None:
        error = self.errors.get(name or "")
        if error is None:  # a field we do not show: say it below the tabs
            self.status.setText(message)
            return
        error.setText(message)
        error.show()
        if name in self.server_fields:
            self.tabs.setCurrentIndex(0)
        else:
            self.tabs.setCurrentIndex(1)
