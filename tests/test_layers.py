"""DESIGN §3: data flows down the list of parts; ``vault`` imports nothing above it, and the
key handling and AEAD modules are imported by nothing outside ``vault/``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "confide"
#: The parts in DESIGN §3's order: a part may import only parts after it.
PARTS = ("hub", "wyoming", "learning", "lifecycle", "skills", "language", "voice", "vault")
# (voice reads what it heard with language's recogniser; both sit above vault)
ALLOWED_UPWARD = {("voice", "language")}
PRIVATE = ("confide.vault._crypto", "confide.vault._keyfile")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = path.relative_to(PACKAGE.parent).parent.parts[: len(path.parts) - node.level]
            found.add(".".join((*base, node.module or "")))
    return found


def _part(module: str) -> str | None:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "confide" and pieces[1] in PARTS else None


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_parts_import_only_parts_below_them(path: Path) -> None:
    here = _part("confide." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    if here is None:
        return  # assistant.py, cli.py and the modules beside them may use every part
    for module in _imports(path):
        there = _part(module)
        if there is None or there == here:
            continue
        below = PARTS.index(there) > PARTS.index(here)
        assert below or (here, there) in ALLOWED_UPWARD, f"{here} imports {module}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_vault_imports_its_key_handling(path: Path) -> None:
    if path.relative_to(PACKAGE).parts[0] == "vault":
        return
    for module in _imports(path):
        assert not module.startswith(PRIVATE), f"{path.name} imports {module}"


def test_the_checks_can_fail() -> None:
    """Positive control: the import reader sees a forbidden import where there is one."""
    assert "confide.vault._crypto" in _imports(PACKAGE / "vault" / "session.py") | _imports(
        PACKAGE / "vault" / "follow_up.py"
    )
    assert _part("confide.hub.api") == "hub" and _part("confide.assistant") is None
