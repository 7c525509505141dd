"""Dependencies point one way, reads never import writes, and no modules import each other in a
circle, counting imports inside functions too (docs/architecture.md has the map).

    infrastructure  <-  accounts  <-  catalog  <-  events  <-  ingest, checkout  <-  liveshop

A package may import its own modules and those of the packages to its left; `ingest` (the video
path) and `checkout` (buying) both build on `events` and know nothing of each other; `liveshop`,
the project's shell (settings, urls, asgi, celery, the admin site), sits on top and nothing
imports it. `tests` and `bench` may import anything; nothing imports them.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = [
    {"infrastructure"},
    {"accounts"},
    {"catalog"},
    {"events"},
    {"ingest", "checkout"},
    {"liveshop"},
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
# Folders of Python that are not part of the running site.
OUTSIDE = {"tests", "bench"}

# Modules that change state; a selectors module (reads) imports none of them.
WRITERS = {
    "accounts.services",
    "catalog.services",
    "catalog.stock",
    "catalog.products",
    "catalog.images",
    "catalog.kept_uploads",
    "catalog.catalog_csv",
    "events.services",
    "events.live_state",
    "events.chat",
    "events.scheduling",
    "checkout.cart",
    "checkout.orders",
    "checkout.release",
    "checkout.payment_outcomes",
    "checkout.inventory",
    "ingest.services",
}

# The one kind of circle allowed: a Celery task imports the service it runs inside the task's
# function, because the service module queues that task (and so imports the tasks module).
TASK_IMPORTS = {
    ("checkout.tasks", "checkout.payment_outcomes"): (
        "refund_sold_out runs payment_outcomes.refund_sold_out, which queues the refund task"
    ),
    ("checkout.tasks", "checkout.release"): (
        "release_expired runs release.orders_release_expired, whose releases queue "
        "the payment-cancel task"
    ),
}


def modules() -> dict[str, Path]:
    found = {}
    for package in RANK:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def imports(path: Path) -> dict[str, bool]:
    """Project modules `path` imports: name -> whether every import of it is inside a function."""
    tree = ast.parse(path.read_text())
    at_top = {id(node) for node in tree.body}
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if name in MODULES or top in OUTSIDE:
                # Module-level code inside `if`/`try` runs at import time: only functions defer it.
                deferred = id(node) not in at_top and _inside_function(tree, node)
                found[name] = found.get(name, True) and deferred
    return found


def _inside_function(tree: ast.Module, target: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            child is target for child in ast.walk(node)
        ):
            return True
    return False


GRAPH = {name: imports(path) for name, path in MODULES.items()}


def test_every_package_of_the_site_has_a_layer():
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in OUTSIDE and path.parent.name != "node_modules"
    }
    assert packages == set(RANK), "add the new package to LAYERS"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_package_and_lower_layers(module):
    package = module.split(".")[0]
    upward = []
    for imported in GRAPH[module]:
        other = imported.split(".")[0]
        if other == package:
            continue
        if other in OUTSIDE or RANK[other] >= RANK[package]:
            upward.append(imported)
    assert upward == [], f"{module} imports {', '.join(sorted(upward))}"


def test_selectors_never_import_writers():
    assert set(MODULES) >= WRITERS, "a writer was renamed: update WRITERS"
    for module in MODULES:
        if module.endswith(".selectors"):
            assert not GRAPH[module].keys() & WRITERS, module


def test_the_allowed_circles_are_tasks_importing_their_service_inside_the_task():
    for (task_module, service), reason in TASK_IMPORTS.items():
        assert task_module.endswith(".tasks") and reason
        assert GRAPH[task_module].get(service) is True, (
            f"{task_module} no longer imports {service} inside a task: drop it from TASK_IMPORTS"
        )
        assert task_module in GRAPH[service], f"{service} no longer queues a task of {task_module}"


def test_no_modules_import_each_other_in_a_circle():
    graph = {
        name: {m for m in imported if m in MODULES and (name, m) not in TASK_IMPORTS}
        for name, imported in GRAPH.items()
    }
    assert _circles(graph) == []


def test_the_circle_check_sees_imports_inside_functions():
    # given two modules that import each other, one of them only inside a function
    graph = {"a": {"b"}, "b": {"a"}}
    # then that is a circle
    assert _circles(graph) == [["a", "b"]]


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for other in graph.get(name, ()):
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in on_stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == name:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found
