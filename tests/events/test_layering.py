"""Dependencies point one way: the realtime fan-out knows nothing of the services that use it."""

import ast
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[2] / "events"


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_services_use_realtime_and_realtime_does_not_import_services():
    assert "events.realtime" in imported_modules(EVENTS / "services.py")
    assert "events.services" not in imported_modules(EVENTS / "realtime.py")
