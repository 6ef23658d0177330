"""No import cycle in commerce, realtime and project, except an area's services <-> tasks.

The graph is read from the source (ast), and every import counts: at module level, inside a
function, under `if TYPE_CHECKING:`. A lazy import that dodges a cycle at import time is still a
cycle in the design. The one cycle allowed: a Celery tasks module imports the services it runs,
and those services queue its tasks (STYLE.md, rule 4).
"""

import ast
from collections import deque
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("commerce", "realtime", "project")

Graph = dict[str, dict[str, tuple[Path, int]]]  # module -> {module it imports: (file, line)}


def _modules(root: Path, packages: Iterable[str]) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's __init__)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join(parts)] = (path, is_package)
    return found


def import_graph(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> Graph:
    """Which of these modules each one imports, and where (the first import of it in the file)."""
    modules = _modules(root, packages)

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = {}
    for name, (path, is_package) in modules.items():
        edges = graph.setdefault(name, {})
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [known(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                # `from package import module` imports the module; `from module import name`, the module.
                targets = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else known(source)
                    for alias in node.names
                ]
            for target in targets:
                if target is not None and target != name:
                    edges.setdefault(target, (path, node.lineno))
    return graph


def strongly_connected(graph: Graph) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan), each of 2 or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot hit the recursion limit.
        work = [(start, iter(sorted(graph.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def services_and_tasks(group: list[str], graph: Graph) -> bool:
    """Whether a group is an area's tasks and the services they run, and nothing else.

    One area's modules only (`commerce.<area>.*`), its `tasks` among them; every other one imported
    by `tasks` (a service it runs); and without `tasks`, no cycle left among them.
    """
    area = {".".join(member.split(".")[:2]) for member in group}
    if len(area) != 1 or not next(iter(area)).startswith("commerce."):
        return False
    tasks = f"{next(iter(area))}.tasks"
    if tasks not in group:
        return False
    rest = set(group) - {tasks}
    if not rest <= set(graph[tasks]):
        return False
    without_tasks = {member: {t: where for t, where in graph[member].items() if t in rest} for member in rest}
    return not strongly_connected(without_tasks)


def cycle_through(group: list[str], graph: Graph, root: Path) -> str:
    """The shortest import cycle through the group's first module, each step with the file and line."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                steps = [*reversed(path), start]
                return (
                    " -> ".join(
                        f"{a} ({graph[a][b][0].relative_to(root).as_posix()}:{graph[a][b][1]})"
                        for a, b in zip(steps, steps[1:], strict=False)
                    )
                    + f" -> {start}"
                )
            if child in members and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # not reached: the group is strongly connected


def forbidden_cycles(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> list[str]:
    graph = import_graph(root, packages)
    return [
        cycle_through(group, graph, root) for group in strongly_connected(graph) if not services_and_tasks(group, graph)
    ]


def test_no_import_cycle_but_an_areas_services_and_tasks():
    assert forbidden_cycles() == []


def test_the_graph_sees_every_area_and_the_allowed_pairs():
    graph = import_graph()

    assert {"commerce.orders.services", "realtime.hub", "project.settings"} <= set(graph)
    assert "commerce.orders.tasks" in graph["commerce.orders.links"]  # services queue their tasks
    assert "commerce.orders.links" in graph["commerce.orders.tasks"]  # tasks run services


# --- The checker itself, on small packages written for the test ---------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.relative_to(root).parents:
            if parent != Path("."):
                (root / parent / "__init__.py").touch()


def test_a_lazy_import_that_hides_a_cycle_is_a_cycle_and_is_named(tmp_path):
    write(
        tmp_path,
        {
            "commerce/shop/live.py": "def on_seen():\n    from .services import mark_read\n\n    mark_read()\n",
            "commerce/shop/services.py": "from . import live\n\n\ndef mark_read():\n    live.publish()\n",
        },
    )

    assert forbidden_cycles(tmp_path, ["commerce"]) == [
        "commerce.shop.live (commerce/shop/live.py:2) -> commerce.shop.services (commerce/shop/services.py:1)"
        " -> commerce.shop.live"
    ]


def test_an_import_under_type_checking_counts(tmp_path):
    write(
        tmp_path,
        {
            "realtime/hub.py": "import typing\n\nif typing.TYPE_CHECKING:\n    from realtime.topics import T\n",
            "realtime/topics.py": "import realtime.hub\n",
        },
    )

    assert forbidden_cycles(tmp_path, ["realtime"]) == [
        "realtime.hub (realtime/hub.py:4) -> realtime.topics (realtime/topics.py:1) -> realtime.hub"
    ]


def test_an_areas_tasks_and_the_services_they_run_may_import_each_other(tmp_path):
    write(
        tmp_path,
        {
            "commerce/pay/services.py": "from . import refunds, tasks\n",
            "commerce/pay/refunds.py": "from . import tasks\n",
            "commerce/pay/tasks.py": "from . import refunds, services\n",
        },
    )

    assert forbidden_cycles(tmp_path, ["commerce"]) == []


def test_a_cycle_beside_the_tasks_or_across_areas_is_not_allowed(tmp_path):
    write(
        tmp_path,
        {
            # services and live import each other, tasks or not
            "commerce/pay/services.py": "from . import live, tasks\n",
            "commerce/pay/live.py": "from . import services\n",
            "commerce/pay/tasks.py": "from . import services\n",
            # tasks of one area with the services of another
            "commerce/ship/tasks.py": "from commerce.mail import services\n",
            "commerce/mail/services.py": "from commerce.ship import tasks\n",
        },
    )

    assert forbidden_cycles(tmp_path, ["commerce"]) == [
        "commerce.mail.services (commerce/mail/services.py:1) -> commerce.ship.tasks (commerce/ship/tasks.py:1)"
        " -> commerce.mail.services",
        "commerce.pay.live (commerce/pay/live.py:1) -> commerce.pay.services (commerce/pay/services.py:1)"
        " -> commerce.pay.live",
    ]
