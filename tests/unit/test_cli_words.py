"""Every sentence the CLI shows goes through `tr`, so it can be said in Indonesian.

A static scan of cli/: what reaches the terminal (`print`, a stream's `write`, a
question, an argparse type error, a parser's `help` and `description`) must not be
a string literal or an f-string with words in it; it is `tr(...)` (or built from
it). Machine output (`--json`, `--csv`) passes naturally: it is printed as a call
(`json.dumps`, the csv writer), never as a literal. Text without words ("  == ",
" = ", a spinner) is layout, not language.
"""

from __future__ import annotations

import ast
import re

from tests.support.source_scan import PACKAGE, package_trees

CLI = PACKAGE / "cli"

# At collection: see package_trees.
TREES = {path.name: tree for path, tree in package_trees().items() if path.parent == CLI}

# Calls whose first argument the user reads, and keywords the user reads.
SINKS = {"print", "_say", "write", "step", "read_answer", "ask_yes_no", "ArgumentTypeError"}
READ_KEYWORDS = {"help", "description", "label"}

# Left English on purpose: (file, function, a piece of the line) -> why.
ALLOWED = {
    ("session_commands.py", "print_status", ""): "the status lines belong to the presenter "
    "(present/), which renders them for the tray and the CLI alike",
    ("session_commands.py", "_print_session", ""): "part of print_status (the presenter's)",
    ("walkthrough.py", "walkthrough", "Balance now"): "a money line: the presenter's "
    "formatter takes it over",
}

WORD = re.compile(r"[^\W\d_]{2,}")


def _words(node: ast.expr) -> bool:
    """A literal or f-string whose own text has a word in it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and WORD.search(str(part.value)) for part in node.values
        )
    if isinstance(node, ast.BinOp):  # "..." + "..."
        return _words(node.left) or _words(node.right)
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "plain" and node.args:
        return _words(node.args[0])  # plain(f"...") shows the f-string's words
    return False


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


class _Scan(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.functions: list[str] = []
        self.found: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _allowed(self, text: str) -> bool:
        function = self.functions[-1] if self.functions else "<module>"
        return any(
            (file, name) == (self.file, function) and piece in text for file, name, piece in ALLOWED
        )

    def _check(self, node: ast.expr) -> None:
        text = ast.unparse(node)
        if _words(node) and not self._allowed(text):
            self.found.append(f"cli/{self.file}:{node.lineno}: {text}")

    def visit_Call(self, node: ast.Call) -> None:
        if _name(node) in SINKS and node.args:
            self._check(node.args[0])
        for keyword in node.keywords:
            if keyword.arg in READ_KEYWORDS:
                self._check(keyword.value)
        self.generic_visit(node)


def untranslated() -> list[str]:
    found: list[str] = []
    for file, tree in TREES.items():
        scan = _Scan(file)
        scan.visit(tree)
        found += scan.found
    return found


def test_everything_the_cli_says_goes_through_tr() -> None:
    found = untranslated()
    assert not found, "wrap in tr(...) and add the Indonesian:\n" + "\n".join(found)


def test_the_scan_catches_an_untranslated_line() -> None:
    tree = ast.parse(
        'def f(x):\n    print(f"Hello {x}")\n    print(tr("Hi {x}", x=x))\n'
        '    p.add_argument("--a", help="an option")\n    print(json.dumps(x))\n'
    )
    scan = _Scan("example.py")
    scan.visit(tree)
    assert [line.split(": ", 1)[1] for line in scan.found] == [
        "f'Hello {x}'",
        "'an option'",
    ]
