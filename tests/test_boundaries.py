"""The design card's boundaries, checked on the source: they are easy to erode one import at a time."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "evidence"
CLI = PKG / "cli"
VERIFY = PKG / "verify"


def modules():
    for path in sorted(PKG.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.AST, path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    rel = path.relative_to(PKG.parent).with_suffix("")
    package = list(rel.parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    out |= {f"{mod}.{a.name}" for a in node.names}
                else:
                    out.add(mod)
            else:
                out.add(node.module or "")
    return out


def test_only_the_command_line_imports_click():
    for path, tree in modules():
        if path.is_relative_to(CLI):
            continue
        assert not any(m == "click" or m.startswith("click.") for m in imported(tree, path)), path


def test_the_command_line_imports_only_the_api_and_the_error_tree():
    allowed = {"evidence", "evidence.api", "evidence.errors", "evidence.outputs"}
    seen = set()
    for path, tree in modules():
        if not path.is_relative_to(CLI):
            continue
        seen.add(path.stem)
        for m in imported(tree, path):
            if m.startswith("evidence"):
                assert m in allowed or m.startswith("evidence.cli"), (path.name, m)
    # one module per command group, and the shared part in one place
    assert {"__init__", "common", "keys", "cases", "items", "capture", "policy", "pack", "store"} <= seen


def test_the_command_line_maps_exit_codes_in_one_place():
    for path in CLI.rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert "SystemExit(" not in src or path.name == "common.py", path
        assert "sys.exit(" not in src or path.name in ("common.py", "docs.py"), path  # docs.py: a build script
    outputs = ast.parse((PKG / "outputs.py").read_text(encoding="utf-8"))
    assert not any(m.startswith("click") for m in imported(outputs, PKG / "outputs.py"))


def test_only_the_store_speaks_sql():
    for path, tree in modules():
        if PKG / "store" in path.parents:
            continue
        names = imported(tree, path)
        assert "sqlite3" not in names and "sqlite_utils" not in names, path
        src = path.read_text()
        for word in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE"):
            assert word not in src, (path, word)


def test_verification_shares_only_hash_and_canonical_json_with_writing_code():
    allowed = {"evidence.digest", "evidence.canonical", "evidence.errors"}
    for path, tree in modules():
        if not path.is_relative_to(VERIFY):
            continue
        for m in imported(tree, path):
            if m.startswith("evidence"):
                assert m in allowed or m.startswith("evidence.verify"), (path.name, m)


def test_importing_verification_loads_none_of_the_writing_code():
    code = ("import sys, json, evidence.verify.pack, evidence.verify.store, evidence.verify.log; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('evidence', 'sqlite_utils', 'PIL', "
            "'jinja2', 'playwright', 'jsonschema')))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    writing = [m for m in loaded if not (m.startswith("evidence.verify") or m in
                                         ("evidence", "evidence.errors", "evidence.digest", "evidence.canonical"))]
    assert writing == [], writing


def test_evidence_enters_only_through_ingest():
    """Items and artifacts are rows only by the projection of an item.* entry, and only ingest() writes those;
    import, capture and redaction call ingest()."""
    for path, _ in modules():
        src = path.read_text()
        if path != PKG / "log" / "project.py" and PKG / "store" not in path.parents:
            assert "insert_item(" not in src and "insert_artifact(" not in src, path
        if path != PKG / "ingest.py":
            assert not re.search(r"""\.write\(\s*["']item\.""", src), path
    assert "log.write(action" in (PKG / "ingest.py").read_text()
    for path in (PKG / "capture" / "record.py", PKG / "redaction.py"):
        assert "ingest(" in path.read_text(), path
    assert "def import_files(" in (PKG / "ingest.py").read_text()


def test_every_write_goes_through_the_one_log_function():
    """Appending to the custody log happens only in Log.write (which also grows the tree, timestamps, checkpoints)."""
    for path, _ in modules():
        if path == PKG / "log" / "writer.py" or PKG / "store" in path.parents:
            continue
        assert "append_custody(" not in path.read_text(), path


def test_no_module_reaches_into_another_objects_private_members():
    for path, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                assert isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"), \
                    (path, node.lineno, ast.unparse(node))


def test_reports_and_packs_read_through_the_api():
    """No attribute access to a store, database or connection (strings such as "store.created" are action names)."""
    for path in [*(PKG / "pack").glob("*.py"), PKG / "demo.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("db", "conn", "store"), (path, node.lineno, ast.unparse(node))
                assert not (isinstance(node.value, ast.Name) and node.value.id == "store"), \
                    (path, node.lineno, ast.unparse(node))
