"""The map kept true (docs/architecture.md): layering, no private imports across modules, no
import circles, rooms of a readable size, routes that never touch the store, and every
reference the code cites present in the repository.

Read statically (``ast``): every ``import`` counts, at module level or inside a function.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dawna"
MAX_LINES = 400
DEBT_FILE = Path(__file__).with_name("architecture_debt.txt")


def _debt(test: str) -> set[str]:
    """Known violations still being paid off (``test: entry`` lines); the file must shrink to
    nothing, and an entry that no longer occurs must be deleted (a ratchet, not a waiver)."""
    if not DEBT_FILE.exists():
        return set()
    lines = DEBT_FILE.read_text(encoding="utf-8").splitlines()
    return {line.partition(": ")[2] for line in lines if line.startswith(test + ": ")}


def _check(test: str, broken: list[str] | set[str]) -> None:
    debt = _debt(test)
    assert sorted(set(broken) - debt) == [], "new violations"
    assert sorted(debt - set(broken)) == [], f"paid off: delete these lines from {DEBT_FILE.name}"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "migrations" not in p.parts}


SOURCES = _sources()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    is_package = SOURCES[module].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in ``module``."""
    tree = ast.parse(SOURCES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in SOURCES:  # ``from dawna.services import tumour`` imports a module
                    found.append((sub, None, node.lineno))
                else:
                    found.append((target, alias.name, node.lineno))
    return [f for f in found if f[0] == "dawna" or f[0].startswith("dawna.")]


@functools.cache
def _all_imports() -> dict[str, list[tuple[str, str | None, int]]]:
    """Every module's dawna imports; parsed when a test first asks (not at collection)."""
    return {module: _imports(module) for module in SOURCES}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _owner(target: str) -> str:
    """The module an import target lives in (``dawna.services.tumour.x`` -> the module)."""
    while target and target not in SOURCES:
        target = target.rpartition(".")[0]
    return target


FORBIDDEN = {
    # rules and analysis are pure: no store, services, web or cli
    "rules": {"store", "services", "web", "cli", "demo", "exports", "imaging"},
    "analysis": {"store", "services", "web", "cli", "demo"},
    "protocol": {"store", "services", "web", "cli", "demo", "analysis", "exports"},
    "exports": {"services", "web", "cli", "demo"},
    "store": {"services", "web", "cli", "demo", "analysis", "exports"},
    "services": {"web", "cli", "demo"},
    "web": {"cli", "demo", "store"},
    "cli": {"web"},
}


#: The database handle a service takes: web and cli pass it on, they never open it.
ALLOWED_DOWN = {"dawna.store.db"}


def test_layers_import_downwards() -> None:
    """rules/ and analysis/ import no store, services, web or cli; web and cli never import each
    other; routes reach the store only through services."""
    broken = []
    for module, imports in _all_imports().items():
        banned = FORBIDDEN.get(_layer(module), set())
        for target, _name, line in imports:
            if _layer(target) in banned and _owner(target) not in ALLOWED_DOWN:
                broken.append(f"{module}:{line} imports {target}")
    _check("layers", broken)


def test_no_private_names_across_modules() -> None:
    """No module imports a name starting with ``_`` from another module (the gettext alias
    ``_`` of dawna.i18n excepted)."""
    broken = []
    for module, imports in _all_imports().items():
        for target, name, line in imports:
            if name and name.startswith("_") and name != "_" and not name.startswith("__"):
                broken.append(f"{module}:{line} imports {target}.{name}")
            elif name is None and target.rpartition(".")[2].startswith("_") and \
                    _owner(target).rpartition(".")[0] != module.rpartition(".")[0]:
                broken.append(f"{module}:{line} imports private module {target}")
    _check("private", broken)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles_between_files() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imports in _all_imports().items():
        for target, _name, _line in imports:
            owner = _owner(target)
            # a package's __init__ re-exporting its own modules is not a circle
            if owner and owner != module and not module.startswith(owner + "."):
                graph[module].add(owner)
    _check("file-circles", [" <-> ".join(c) for c in _cycles(graph)])


def test_no_import_circles_between_folders() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imports in _all_imports().items():
        here = _layer(module)
        for target, _name, _line in imports:
            there = _layer(target)
            if here and there and here != there:
                graph[here].add(there)
    _check("folder-circles", [" <-> ".join(c) for c in _cycles(graph)])


def test_modules_are_rooms_of_a_readable_size() -> None:
    big = [m for m, p in SOURCES.items()
           if len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES]
    _check("size", big)


def test_routes_never_open_sessions_or_touch_models() -> None:
    broken = []
    for module, path in SOURCES.items():
        if _layer(module) not in ("web", "cli"):
            continue
        text = path.read_text(encoding="utf-8")
        for needle in (".sessions()", "UnitOfWork(", "import sqlalchemy", "from sqlalchemy"):
            if needle in text:
                broken.append(f"{module}: {needle}")
    _check("sessions", broken)


def test_routes_use_the_site_clock() -> None:
    broken = [m for m, p in SOURCES.items() if _layer(m) in ("web", "cli", "services")
              and re.search(r"\bdate\.today\(\)|datetime\.now\(\)", p.read_text("utf-8"))]
    _check("clock", broken)


CITATION = re.compile(r"\bdocs/([A-Za-z0-9_.\-/]+\.(?:md|txt|json|yaml|pdf))")


def test_every_cited_document_is_in_the_repository() -> None:
    """A docstring that cites ``docs/x.md`` finds it in this repository's docs/."""
    missing = set()
    for module, path in SOURCES.items():
        for cited in CITATION.findall(path.read_text(encoding="utf-8")):
            if not (ROOT / "docs" / cited).exists():
                missing.add(f"{module} cites docs/{cited}")
    _check("citations", missing)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_exists(layer: str) -> None:
    """The map names folders that exist (a renamed folder must update the map)."""
    if layer == "cli" and "cli" in _debt("layout"):
        pytest.skip("the CLI wing is being built")
    assert (PACKAGE / layer).is_dir()


def test_every_json_route_declares_its_response_model() -> None:
    """Every ``/api`` route that answers JSON states a named ``response_model`` (a pydantic
    model, or a list of them), so the OpenAPI document says what is returned; a bare
    ``dict[str, Any]`` says nothing. File downloads declare their own media type."""
    from dawna.config import Settings
    from dawna.store.db import Database
    from dawna.web.app import create_app

    doc = create_app(Settings(database_url="sqlite://"), Database("sqlite://")).openapi()
    missing = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            ok = [code for code in operation.get("responses", {}) if code.startswith("2")]
            content = operation["responses"][ok[0]].get("content", {}) if ok else {}
            schema = content.get("application/json")
            if schema is not None and "$ref" not in str(schema.get("schema")):
                missing.append(f"{method.upper()} {path}")
    _check("response-model", missing)
