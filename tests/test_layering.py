"""Dependencies point one way (catalog <- events <- checkout; accounts <- checkout), reads never
import writes, and no two modules import each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "catalog", "events", "ingest", "checkout", "liveshop")
# accounts (viewers' sign-up, verified emails, saved addresses) knows nothing of shops, shows or
# orders: checkout claims orders when an email is verified (accounts.signals).
# ingest (the video path) and checkout (buying) both build on events and know nothing of each other.
LAYER = {"accounts": 0, "catalog": 1, "events": 2, "ingest": 3, "checkout": 3}
# Modules that change state; a selectors module (reads) imports none of them.
WRITERS = {
    "accounts.services",
    "catalog.services",
    "catalog.stock",
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


def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Project modules `path` imports (at the top only, or anywhere)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    known = modules()
    return {name for name in names if name in known}


@pytest.mark.parametrize("module", sorted(modules()))
def test_a_lower_app_never_imports_a_higher_one(module):
    app = module.split(".")[0]
    if app not in LAYER:
        return
    for imported in imports(modules()[module], top_level_only=False):
        other = imported.split(".")[0]
        if other in LAYER:
            assert LAYER[other] <= LAYER[app], f"{module} imports {imported}"


def test_selectors_never_import_writers():
    for module, path in modules().items():
        if module.endswith(".selectors"):
            assert not imports(path, top_level_only=False) & WRITERS, module


def test_no_two_modules_import_each_other():
    graph = {name: imports(path, top_level_only=True) for name, path in modules().items()}
    cycles, done = [], set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append([*trail[trail.index(name) :], name])
            return
        if name in done:
            return
        for imported in graph.get(name, ()):
            visit(imported, [*trail, name])
        done.add(name)

    for name in graph:
        visit(name, [])
    assert cycles == []
