"""The tray app: a thin PySide6 shell that renders the core's state and calls it.

Nothing here decides anything about sessions or money; `pawpado_desktop.core`
does. Start it with `pawpado_desktop.ui.app.run(args)`.
"""
