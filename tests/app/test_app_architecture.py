"""Who may import whom (ARCHITECTURE.md), and the core staying light without heavy extras."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "egobutler"
ALLOWED = {
    "egogpt": set(),
    "motion": set(),
    "memory_db": set(),
    "ingest": {"egogpt", "motion", "memory_db"},
    "egorag": {"memory_db"},
    "ui": {"egorag", "memory_db", "motion"},
    "app": {"egogpt", "motion", "memory_db", "ingest", "egorag", "ui"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "egobutler" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_packages_import_only_what_the_architecture_allows():
    problems = []
    for package, allowed in ALLOWED.items():
        for path in (PACKAGE / package).rglob("*.py"):
            for imported in _imports(path) - allowed - {package}:
                if imported in ALLOWED:
                    problems.append(f"{path.relative_to(PACKAGE)} imports egobutler.{imported}")
    assert not problems, "\n".join(problems)


def test_nothing_imports_app_except_tests():
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if "app" in _imports(p) and p.relative_to(PACKAGE).parts[0] != "app"]
    assert not offenders


def test_core_modules_import_without_loading_heavy_libraries():
    code = (
        "import sys, importlib\n"
        "for m in ['egobutler.app.cli', 'egobutler.memory_db.store', 'egobutler.egogpt', 'egobutler.motion',"
        " 'egobutler.egorag', 'egobutler.ingest', 'egobutler.ui']:\n"
        "    importlib.import_module(m)\n"
        "heavy = [m for m in ('torch', 'transformers', 'chromadb', 'gradio', 'whisper', 'faster_whisper', 'onnxruntime')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing the CLI loads {out}; move those imports inside load()/functions"
