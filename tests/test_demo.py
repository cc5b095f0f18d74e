"""The README's main job: `evidence demo` runs a whole investigation offline and its pack verifies."""

from __future__ import annotations

import json
import zipfile


def test_demo_runs_end_to_end(run, env, tmp_path):
    out = tmp_path / "demo"
    r = run("demo", "--dir", out, "--no-pdf")
    assert r.code == 0, r
    for step in ("1. Store", "2. Opened case", "3. Imported", "4. Captured", "5. Alleged", "6. Built the panel pack",
                 "7. Checked the pack", "8. Verified the store"):
        assert step in r.out, step
    assert "HTTP 404" in r.out  # the deleted post is kept as a fact
    pack = out / "panel-pack.zip"
    m = json.loads(zipfile.ZipFile(pack).read("manifest.json"))
    assert [a["clause"] for a in m["allegations"]] == ["6.1", "6.5", "6.4"] and len(m["exhibits"]) == 5
    from evidence.verify.pack import verify_pack

    assert verify_pack(pack).ok
    r = run("--store", out / "store", "verify", "--no-log")
    assert r.code == 0
    # the demo key never became the user's default key
    assert not (env["config"] / "config.json").exists()
    # running it again replaces the earlier demo
    assert run("demo", "--dir", out, "--no-pdf").code == 0


def test_demo_refuses_a_folder_that_is_not_a_demo(run, tmp_path):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("precious")
    r = run("demo", "--dir", mine)
    assert r.code == 6 and "not a demo folder" in r.err
    assert (mine / "chapter1.tex").read_text() == "precious"
