"""The Settings dialog: this computer's settings and the account's, saved through
the core, which checks them (a refused field is shown next to itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pawpado_desktop.errors import PawpadoError
from pawpado_desktop.present.errors import error_text, text_of
from pawpado_desktop.ui.window_manager import bring_back, present

if TYPE_CHECKING:
    from pawpado_desktop.ui.shell import TrayApp
    from pawpado_desktop.ui.windows.settings import SettingsDialog


async def open_settings(app: TrayApp) -> None:
    if bring_back(app.windows.settings):
        return
    core = app.require_core()
    dialog = app.windows.new_settings(core.local_settings)
    dialog.save.connect(lambda: app.tasks.spawn(save_settings(app, dialog)))
    present(dialog)
    view = await core.settings()
    if view.server is None:
        dialog.server_unavailable(text_of(view.server_problem))
    else:
        dialog.show_server(view.server)


async def save_settings(app: TrayApp, dialog: SettingsDialog) -> bool:
    from pawpado_desktop.core.settings import SettingsInvalid, SettingsUpdate

    core = app.require_core()
    dialog.clear_errors()
    update = SettingsUpdate(local=dialog.local_changes(), server=dialog.server_changes())
    try:
        view = await core.update_settings(update)
    except SettingsInvalid as error:
        for problem in error.errors:  # each next to its field; unnamed ones below the tabs
            dialog.field_error(problem.key or None, text_of(problem.text))
        return False
    except PawpadoError as error:  # e.g. a full disk: the old file is still whole
        dialog.field_error(None, error_text(error))
        return False
    if view.server is not None:
        dialog.show_saved(view.server)
    app.set_language(view.local.language)
    dialog.close()
    app.presenter.render_soon()
    return True
