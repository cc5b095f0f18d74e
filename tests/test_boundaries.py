"""The design card's boundaries, checked on the source: they are easy to erode one import at a time."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "evidence"


def modules():
    for path in sorted(PKG.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.AST, path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    rel = path.relative_to(PKG.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
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


def test_the_library_never_imports_click():
    for path, tree in modules():
        assert not any(m == "click" or m.startswith("click.") for m in imported(tree, path)), path


def test_only_the_store_speaks_sql():
    for path, tree in modules():
        if path.name == "store.py" and path.parent == PKG:
            continue
        names = imported(tree, path)
        assert "sqlite3" not in names and "sqlite_utils" not in names, path
        src = path.read_text()
        for word in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE"):
            assert word not in src, (path, word)


def test_verification_shares_only_hash_and_canonical_json_with_writing_code():
    allowed = {"evidence.digest", "evidence.canonical", "evidence.errors"}
    for path, tree in modules():
        if path.parent.name != "verify":
            continue
        for m in imported(tree, path):
            if m.startswith("evidence"):
                assert m in allowed or m.startswith("evidence.verify"), (path.name, m)


def test_evidence_enters_only_through_ingest():
    """Only evidence.intake inserts items and artifacts; import, capture and redaction call ingest()."""
    for path, tree in modules():
        src = path.read_text()
        if path.name not in ("intake.py", "store.py"):
            assert "insert_item(" not in src and "insert_artifact(" not in src, path
    for name in ("api.py", "redact.py"):
        assert "ingest(" in (PKG / name).read_text()


def test_reports_and_packs_read_through_the_api():
    for name in ("bundle.py", "demo.py"):
        src = (PKG / name).read_text()
        assert ".db." not in src and ".conn" not in src and "store.item(" not in src, name
