"""The folders show the architecture: shared imports no service, and no service imports another."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "moderation", "publisher", "crm", "reporting")


def imported_packages(package_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in package_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_shared_imports_no_service_and_no_devtools() -> None:
    forbidden = {f"animo_{s}" for s in SERVICES} | {"animo_dev"}
    for path, names in imported_packages(ROOT / "shared/src/animo_shared").items():
        assert not names & forbidden, f"{path} imports {names & forbidden}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_only_itself_and_shared(service: str) -> None:
    others = {f"animo_{s}" for s in SERVICES if s != service} | {"animo_dev"}
    package = ROOT / f"services/{service}/src/animo_{service}"
    for path, names in imported_packages(package).items():
        assert not names & others, f"{path} imports {names & others}"


def test_only_repositories_and_the_store_touch_database_drivers() -> None:
    drivers = {"motor", "pymongo", "sqlite3"}
    for service in SERVICES:
        package = ROOT / f"services/{service}/src/animo_{service}"
        for path, names in imported_packages(package).items():
            assert not names & drivers, f"{path} imports a database driver"
