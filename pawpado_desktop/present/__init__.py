"""The presenter: every word and number the user reads, for the tray and the CLI alike.

Qt-free. The core hands over state, structured notices and errors (a kind or a
template plus parameters); this package turns them into text in the user's
language. The tray draws that text with Qt widgets, the CLI prints it.
"""
