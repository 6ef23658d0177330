"""Selectors are reads: they take plain values (a user, numbers a session remembers), never the request
or its session, and they write nothing (no session key, no row, no cache entry, no attribute on an
argument). What a session remembers is read and written by each area's `session.py`, for the views."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST_TYPES = {"HttpRequest", "HtmxHttpRequest", "Viewer", "SocketViewer", "SessionBase"}
ORM_WRITES = {"save", "delete", "update", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
CACHE_WRITES = {"set", "add", "incr", "decr", "delete", "set_many", "delete_many", "touch"}


def selector_files() -> list[Path]:
    return sorted([*ROOT.glob("commerce/*/selectors.py"), *ROOT.glob("commerce/*/selectors/**/*.py")])


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def problems(path: Path, root: Path = ROOT) -> list[str]:
    """What in this selectors module reads the request or writes something, by line."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text())
    where = path.relative_to(root).as_posix()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in REQUEST_TYPES:
                    found.append((node.lineno, f"{where}:{node.lineno}: imports {alias.name}"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            parameters = {a.arg for a in arguments}
            for argument in arguments:
                annotation = _names(argument.annotation) if argument.annotation else set()
                if argument.arg in {"request", "session"} or annotation & REQUEST_TYPES:
                    found.append((node.lineno, f"{where}:{node.lineno}: {node.name}() takes {argument.arg}"))
            for inner in ast.walk(node):
                targets = []
                if isinstance(inner, ast.Assign):
                    targets = inner.targets
                elif isinstance(inner, ast.AugAssign | ast.AnnAssign):
                    targets = [inner.target]
                for target in targets:
                    # Writing into an argument (its session, an attribute of it) changes the caller's things.
                    if isinstance(target, ast.Subscript | ast.Attribute) and _names(target.value) & (
                        parameters | {"session"}
                    ):
                        found.append(
                            (inner.lineno, f"{where}:{inner.lineno}: {node.name}() writes {ast.unparse(target)}")
                        )
                if isinstance(inner, ast.Call):
                    func = inner.func
                    if isinstance(func, ast.Name) and func.id == "setattr":
                        found.append((inner.lineno, f"{where}:{inner.lineno}: {node.name}() calls setattr"))
                    if not isinstance(func, ast.Attribute):
                        continue
                    receiver = _names(func.value)
                    orm = func.attr in ORM_WRITES and (
                        receiver & {"objects", "filter", "exclude", "all"} or func.attr == "save"
                    )
                    cache = func.attr in CACHE_WRITES and "cache" in receiver
                    session = func.attr in {"save", "flush", "cycle_key", "pop", "setdefault"} and "session" in receiver
                    if orm or cache or session:
                        found.append((inner.lineno, f"{where}:{inner.lineno}: {node.name}() calls {ast.unparse(func)}"))
    return [text for _line, text in sorted(found)]


def test_selectors_take_plain_values_and_write_nothing():
    files = selector_files()

    assert len(files) >= 5  # cart, catalog, ops, orders, search, support...
    assert [problem for path in files for problem in problems(path)] == []


def test_the_check_sees_a_selector_that_reads_the_request_and_writes(tmp_path):
    module = tmp_path / "commerce" / "shop" / "selectors.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from django.http import HttpRequest\n"
        "\n"
        "def remember(request: HttpRequest, pk: int) -> None:\n"
        "    request.session['shop'] = pk\n"
        "\n"
        "def widget(request) -> int:\n"
        "    request._cached = 1\n"
        "    Thing.objects.filter(pk=1).update(seen=True)\n"
        "    cache.set('k', 1)\n"
        "    return 1\n"
    )
    assert problems(module, root=tmp_path) == [
        "commerce/shop/selectors.py:1: imports HttpRequest",
        "commerce/shop/selectors.py:3: remember() takes request",
        "commerce/shop/selectors.py:4: remember() writes request.session['shop']",
        "commerce/shop/selectors.py:6: widget() takes request",
        "commerce/shop/selectors.py:7: widget() writes request._cached",
        "commerce/shop/selectors.py:8: widget() calls Thing.objects.filter(pk=1).update",
        "commerce/shop/selectors.py:9: widget() calls cache.set",
    ]
