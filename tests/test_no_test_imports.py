"""No test module imports from another test module: shared helpers live in plain support modules
(tests/factories.py, tests/fake_stripe.py, tests/e2e/support.py, ...) or in conftest fixtures.

A test module imported by another runs its import-time work (fixtures, marks, settings) for it, hands it
any `test_*` name imported to collect a second time, and ties shared helpers to tests that happen to sit
beside them.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(tree: ast.Module, package: str) -> list[tuple[int, str]]:
    """Every module an import names (top level or inside functions), relative ones made absolute.

    `from tests.x import test_y` names the module tests.x.test_y; `from tests.x.test_y import z`
    names tests.x.test_y (z is only a name in it).
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            if names_a_test_module(base):
                found.append((node.lineno, base))
            else:
                found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def names_a_test_module(module: str) -> bool:
    return any(part.startswith("test_") for part in module.split("."))


def offences(root: Path) -> list[str]:
    """`path:line imports module` for each import of a test module by a test module under root."""
    found = []
    for path in sorted(root.rglob("test_*.py")):
        relative = path.relative_to(root.parent)
        package = ".".join(relative.parent.parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, module in imported_modules(tree, package):
            if names_a_test_module(module):
                found.append(f"{relative}:{line} imports {module}")
    return sorted(set(found))


def test_no_test_module_imports_another():
    found = offences(TESTS)

    assert not found, "Test modules import from test modules; move the helpers to a support module:\n" + "\n".join(
        found
    )


def test_the_check_finds_absolute_relative_and_nested_imports(tmp_path):
    area = tmp_path / "tests" / "area"
    area.mkdir(parents=True)
    (area / "test_a.py").write_text(
        "from tests.area.test_b import helper\n"
        "from . import test_b\n"
        "from .test_b import other\n"
        "import tests.area.test_b\n"
        "def test_x():\n"
        "    from tests.other.test_c import late\n"
    )
    (area / "test_b.py").write_text("from tests.area.support import helper\nfrom . import support\nimport os\n")

    assert offences(tmp_path / "tests") == [
        "tests/area/test_a.py:1 imports tests.area.test_b",
        "tests/area/test_a.py:2 imports tests.area.test_b",
        "tests/area/test_a.py:3 imports tests.area.test_b",
        "tests/area/test_a.py:4 imports tests.area.test_b",
        "tests/area/test_a.py:6 imports tests.other.test_c",
    ]
