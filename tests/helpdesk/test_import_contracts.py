"""The dependency rule as a test: `lint-imports` (the contracts in pyproject.toml's
`[tool.importlinter]`) passes, so `make test` guards it as `make lint` does.

It takes well under a second (no Django, no database): import-linter reads the source.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed (pip install -e '.[dev]')"
    return found


def _layers_contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == "layers")


def test_it_keeps_every_contract() -> None:
    result = subprocess.run(
        [_lint_imports(), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_it_places_every_helpdesk_module_in_a_layer() -> None:
    """A module added to helpdesk/ must be named in the layers contract — on top (it may
    import the apps) or at the bottom (the apps may import it) — or nothing checks it."""
    named: set[str] = set()
    for layer in _layers_contract()["layers"]:
        for part in layer.replace("|", ":").split(":"):
            named.add(part.strip().strip("()"))
    modules = {f"helpdesk.{path.stem}" for path in (ROOT / "helpdesk").glob("*.py")} | {
        f"helpdesk.{path.parent.name}" for path in (ROOT / "helpdesk").glob("*/__init__.py")
    }
    modules.discard("helpdesk.__init__")
    assert modules - named == set()
