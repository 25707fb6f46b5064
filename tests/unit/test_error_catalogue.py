"""Every error a user can meet is a catalogue template plus parameters.

A static scan of the package (the simulator aside): each construction of a
`PawpadoError` subclass passes a string literal as its template (or a conditional
between literals, or a module constant holding one), never an f-string, a
`.format` or a concatenation, so the presenter can translate it, and names a
parameter for each of its fields. The templates, titles and phrases found are then
required in the Indonesian catalogue, with the same fields.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import string
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import pytest

import pawpado_desktop
from pawpado_desktop.api.errors import ApiError
from pawpado_desktop.errors import PawpadoError
from tests.support.source_scan import PACKAGE, package_trees_except, string_constants

SKIPPED = ("sim",)  # the simulator speaks to tests, never to a user

# Passed through on purpose: (file, function, why).
PASSED_THROUGH = {
    ("moonlight/stream.py", "error"): "a stream's end (a literal phrase) as an error",
    ("errors.py", "phrase"): "an error's own (checked) template as a parameter of another",
    ("core/service.py", "_sign_in_gone"): "re-raises why the server ended the sign-in",
}


TREES = package_trees_except(*SKIPPED)  # at collection: see package_trees


def _error_classes() -> tuple[set[str], set[str]]:
    """Names of every PawpadoError subclass (modules imported; the tray's by scan), and
    of those whose first argument is the template (the others build it themselves)."""
    for info in pkgutil.walk_packages(pawpado_desktop.__path__, "pawpado_desktop."):
        if not info.name.startswith(("pawpado_desktop.ui", "pawpado_desktop.sim")):
            importlib.import_module(info.name)
    names: set[str] = set()
    templated: set[str] = set()
    todo: list[type] = [PawpadoError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        first = list(inspect.signature(cls.__init__).parameters)[1:2]
        if first == ["template"]:
            templated.add(cls.__name__)
        todo += cls.__subclasses__()
    grew = True
    while grew:  # classes defined under ui/ (not imported here: Qt)
        grew = False
        for tree in TREES.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        own_init = any(
                            isinstance(item, ast.FunctionDef) and item.name == "__init__"
                            for item in node.body
                        )
                        if bases & templated and not own_init:
                            templated.add(node.name)
                        grew = True
    return names, templated


ERRORS, TEMPLATED = _error_classes()
API_ERRORS = {cls.__name__ for cls in (ApiError, *ApiError.__subclasses__())}
API_OWN = {"code", "status", "server_message", "retry_after"}


@dataclass(frozen=True)
class Site:
    path: Path
    line: int
    function: str
    text: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(PACKAGE)}:{self.line} ({self.function}): {self.text}"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _foreign_names(tree: ast.Module) -> set[str]:
    """Names and modules imported from outside the package (httpx's `Timeout` is no
    error of ours)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if not alias.name.startswith("pawpado_desktop")
            }
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and not (node.module or "").startswith("pawpado_desktop")
        ):
            found |= {alias.asname or alias.name for alias in node.names}
    return found


def _literals(node: ast.expr, constants: dict[str, str]) -> list[str] | None:
    """The templates `node` can be, or None when it is not built from literals only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body, constants), _literals(node.orelse, constants)
        return None if body is None or orelse is None else body + orelse
    return None


class _Scan(ast.NodeVisitor):
    """Error constructions, `title`s and `Phrase`s of one module."""

    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.constants = string_constants(tree)
        self.foreign = _foreign_names(tree)
        self.classes: list[str] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.templates: set[str] = set()
        self.bad: list[Site] = []

    def _function(self) -> str:
        return self.functions[-1].name if self.functions else "<module>"

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        if node.name in ERRORS:
            for item in node.body:
                if (
                    isinstance(item, ast.Assign | ast.AnnAssign)
                    and ast.unparse(
                        item.targets[0] if isinstance(item, ast.Assign) else item.target
                    )
                    == "title"
                    and item.value is not None
                ):
                    self._template(item.value, item.lineno, "title")
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name == "__init__" and self.classes and self.classes[-1] in ERRORS:
            # a default template: `def __init__(self, template: str = "...", /, ...)`
            params = node.args.posonlyargs + node.args.args
            defaults = dict(zip(reversed(params), reversed(node.args.defaults), strict=False))
            for param, default in defaults.items():
                if param.arg == "template":
                    self._template(default, node.lineno, "default template")
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _is_error_call(self, call: ast.Call) -> bool:
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ERRORS:
            if isinstance(func, ast.Name):
                return name in TEMPLATED and name not in self.foreign
            owner = func.value  # type: ignore[attr-defined]
            return name in TEMPLATED and not (
                isinstance(owner, ast.Name) and owner.id in self.foreign
            )
        inside_error = bool(self.classes) and self.classes[-1] in ERRORS - {"PawpadoError"}
        if name == "__init__" and inside_error:
            return True  # super().__init__(...) or Base.__init__(self, ...)
        if name == "cls":
            if inside_error:
                return self.classes[-1] in TEMPLATED
            for function in self.functions:
                for arg in function.args.args:
                    annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                    if arg.arg == "cls" and any(e in annotation for e in ERRORS):
                        return True
        return False

    def _forwarded(self, node: ast.expr) -> bool:
        """An error's own `__init__` handing its template parameter to its base."""
        if not (self.functions and self.functions[-1].name == "__init__"):
            return False
        params = self.functions[-1].args.posonlyargs + self.functions[-1].args.args
        return isinstance(node, ast.Name) and len(params) > 1 and node.id == params[1].arg

    def _template(self, node: ast.expr, line: int, what: str) -> None:
        found = _literals(node, self.constants)
        if found is None and self._forwarded(node):
            return
        if found is None:
            if (self.path.relative_to(PACKAGE).as_posix(), self._function()) in PASSED_THROUGH:
                return
            self.bad.append(Site(self.path, line, self._function(), f"{what}: {ast.unparse(node)}"))
        else:
            self.templates.update(found)

    def _filled(self, node: ast.Call, template: ast.expr) -> None:
        """Every field of the template has a parameter (an API error's `status`, `code`,
        `server_message` and `retry_after` are its own attributes, not parameters)."""
        if any(keyword.arg is None for keyword in node.keywords):
            return  # **params: checked where they are built
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        in_api_error = self.classes and self.classes[-1] in API_ERRORS
        api = name in API_ERRORS or (name in ("cls", "__init__") and in_api_error)
        given = {k.arg for k in node.keywords} - (API_OWN if api else set())
        for text in _literals(template, self.constants) or []:
            if missing := _fields(text) - given:
                site = Site(self.path, node.lineno, self._function(), f"unfilled {missing}")
                self.bad.append(site)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self._is_error_call(node):
            args = list(node.args)
            base_init = isinstance(func, ast.Attribute) and func.attr == "__init__"
            if base_init and isinstance(func.value, ast.Name) and args:  # type: ignore[attr-defined]
                args = args[1:]  # Base.__init__(self, ...)
            if args:
                self._template(args[0], node.lineno, "template")
                self._filled(node, args[0])
            for keyword in node.keywords:
                if keyword.arg == "title":
                    self._template(keyword.value, node.lineno, "title")
        elif isinstance(func, ast.Name) and func.id == "Phrase" and node.args:
            self._template(node.args[0], node.lineno, "phrase")
            self._filled(node, node.args[0])
        self.generic_visit(node)


@cache
def scans() -> list[_Scan]:
    """Each module's scan, made when a test first asks (only the parse must come
    before threads start)."""
    found = []
    for path, tree in TREES.items():
        scan = _Scan(path, tree)
        scan.visit(tree)
        found.append(scan)
    return found


def error_templates() -> set[str]:
    """Every error template, title and phrase in the package."""
    return set().union(*(scan.templates for scan in scans()))


def test_every_error_is_built_from_a_literal_template() -> None:
    bad = [str(site) for scan in scans() for site in scan.bad]
    assert not bad, "pass a literal template and the values as parameters:\n" + "\n".join(bad)


def test_the_scan_sees_the_errors() -> None:
    found = error_templates()
    assert "Not signed in" in found  # a class title
    assert "Cannot reach Pawpado" in found
    assert any(t.startswith("You are not signed in.") for t in found)  # a default template
    assert any(t.startswith("Could not connect to Pawpado ({base_url})") for t in found)
    assert len(found) > 150


def test_the_scan_refuses_a_built_message(tmp_path: Path) -> None:
    source = (
        "def f(x):\n"
        "    raise ConfigError(f'bad {x}')\n"
        "def g(x):\n"
        "    raise ConfigError('bad ' + x)\n"
        "def h(x):\n"
        "    raise ConfigError('bad {x}', x=x)\n"
        "def k(x):\n"
        "    raise ConfigError('bad {y}', x=x)\n"
    )
    path = PACKAGE / "made_up.py"
    scan = _Scan(path, ast.parse(source))
    scan.visit(ast.parse(source))
    assert [site.function for site in scan.bad] == ["f", "g", "k"]  # k: {y} unfilled
    assert scan.templates == {"bad {x}", "bad {y}"}


@pytest.mark.parametrize("language", ["id"])
def test_every_error_has_a_translation_with_the_same_fields(language: str) -> None:
    path = files("pawpado_desktop").joinpath("resources", "translations", f"{language}.json")
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    missing = sorted(error_templates() - set(catalogue))
    assert not missing, f"add these to resources/translations/{language}.json: {missing}"
    for english in error_templates():
        assert _fields(english) == _fields(catalogue[english]), english
