"""The Indonesian catalogue covers every text the tray and the CLI translate.

A static scan of the package (the simulator aside, it speaks to tests): every
`tr("literal")`, and `tr(NAME)` of a module's string constant, must have an entry
in resources/translations/id.json with the same `{fields}` (and the same `%`
fields for argparse's own words). Keys chosen at run time are listed here from
their source. Runs without Qt.
"""

from __future__ import annotations

import ast
import json
import re
from importlib.resources import files

from pawpado_desktop.cli.auth_commands import WHY_RUNNING, WHY_UNCHECKED
from pawpado_desktop.cli.helptext import ARGPARSE_WORDS
from pawpado_desktop.present import notices, progress
from pawpado_desktop.present.history import ENDINGS
from pawpado_desktop.present.status import SERVICE_LINES
from tests.support.source_scan import PACKAGE, package_trees_except, string_constants

SKIPPED = ("sim",)

TREES = package_trees_except(*SKIPPED)  # at collection: see package_trees

# Keys passed to `tr` through a variable: (where they come from) -> the keys.
RUNTIME_KEYS = {
    "argparse's own words (cli/helptext.speak_argparse)": set(ARGPARSE_WORDS),
    "notices' titles and texts (present/notices)": set(notices.templates()),
    "Play phases, remarks and questions (present/progress)": set(progress.templates()),
    "the service's health lines (present/status.SERVICE_LINES)": set(SERVICE_LINES.values()),
    "how a session ended (present/history.ENDINGS)": {*ENDINGS.values(), "failed"},
    "why logout asks (cli/auth_commands)": {WHY_RUNNING, WHY_UNCHECKED},
}


def translated_literals() -> dict[str, str]:
    """Every key the code hands `tr` directly, with where it was found."""
    found: dict[str, str] = {}
    for path, tree in TREES.items():
        constants = string_constants(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
            ):
                continue
            key = node.args[0]
            text = None
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                text = key.value
            elif isinstance(key, ast.Name) and key.id in constants:
                text = constants[key.id]
            if text is not None:
                found.setdefault(text, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def catalogue() -> dict[str, str]:
    path = files("pawpado_desktop").joinpath("resources", "translations", "id.json")
    raw: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return raw


def test_the_scan_sees_the_cli_and_the_presenter() -> None:
    where = set(translated_literals().values())
    assert any(w.startswith("cli/") for w in where)
    assert any(w.startswith("present/") for w in where)
    assert any(w.startswith("ui/") for w in where)


def test_every_translated_text_has_an_indonesian_entry() -> None:
    known = catalogue()
    missing = {text: where for text, where in translated_literals().items() if text not in known}
    assert not missing, "add to resources/translations/id.json:\n" + "\n".join(
        f"{where}: {text!r}" for text, where in sorted(missing.items(), key=lambda kv: kv[1])
    )
    for source, keys in RUNTIME_KEYS.items():
        assert not keys - set(known), f"{source}: {sorted(keys - set(known))}"


BRACE_FIELDS = re.compile(r"\{(\w*)\}")
PERCENT_FIELDS = re.compile(r"%(?:\(\w+\))?[sdr]")


def test_every_entry_keeps_its_fields() -> None:
    for english, indonesian in catalogue().items():
        assert sorted(BRACE_FIELDS.findall(english)) == sorted(BRACE_FIELDS.findall(indonesian)), (
            english
        )
        assert sorted(PERCENT_FIELDS.findall(english)) == sorted(
            PERCENT_FIELDS.findall(indonesian)
        ), english
        for quoted in re.findall(r"`[^`]+`", english):  # commands stay as typed
            assert quoted in indonesian, f"{quoted} lost in: {english}"


def test_the_catalogue_has_no_key_twice() -> None:
    path = files("pawpado_desktop").joinpath("resources", "translations", "id.json")
    seen: list[str] = []
    json.loads(
        path.read_text(encoding="utf-8"), object_pairs_hook=lambda p: seen.extend(k for k, _ in p)
    )
    doubled = sorted({k for k in seen if seen.count(k) > 1})
    assert not doubled, doubled
