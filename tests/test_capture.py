"""Capture with real Chromium against real loopback HTTP and HTTPS servers.

Chromium runs with a host-resolver rule that sends every name but 127.0.0.1 to
NOTFOUND, so the real pages' remote images (and any stray request) fail at once
and nothing ever leaves loopback.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from PIL import Image

from conftest import CASE, descendant_pids
from evidence.schemas import schema_errors
from webserver import TestSite, closed_port

LOOPBACK_ONLY = "--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with TestSite(tmp_path_factory.mktemp("site")) as s:
        yield s


def cap(run, url, *extra):
    return run("capture", url, "--case", CASE, LOOPBACK_ONLY, *extra)


def item_of(run, r) -> dict:
    """The signed record of the item a capture printed."""
    assert r.code == 0, r
    item_id = r.out.split()[1]
    return json.loads(run("show", item_id, "--json").out)["record"]


def artifact(ready, rec, role) -> bytes:
    art = next(a for a in rec["artifacts"] if a["role"] == role)
    hx = art["sha256"].split(":")[1]
    return (ready["store"] / "artifacts" / "sha256" / hx[:2] / hx).read_bytes()


def metadata(ready, rec) -> dict:
    return json.loads(artifact(ready, rec, "metadata"))


# ---------------------------------------------------------------- refused before any browser starts
@pytest.mark.parametrize("url,msg", [
    ("file:///etc/passwd", "only http and https"),
    ("data:text/html,<h1>x</h1>", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("chrome://settings", "only http and https"),
    ("about:blank", "only http and https"),
    ("ftp://example.org/x", "only http and https"),
    ("x.com/user/status/1", "no scheme"),
    ("http://", "no host"),
    ("https://exa mple.org/", "spaces"),
    ("http://127.0.0.1:99999/", "malformed URL"),
    ("", "empty URL"),
])
def test_refused_urls(ready, run, url, msg):
    before = run("custody", "--json").out
    r = run("capture", url, "--case", CASE)
    assert r.code == 6, r
    assert msg in r.err and "Traceback" not in r.err
    assert run("custody", "--json").out == before


def _browsers_under(pid: int) -> list[str]:
    """Command lines of the Chromium and driver processes descended from ``pid``."""
    out = []
    for c in descendant_pids(pid):
        try:
            cmd = open(f"/proc/{c}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if "chrom" in cmd.lower() or "node" in cmd.lower():
            out.append(cmd[:120])
    return out


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_a_wrong_passphrase_stops_the_capture_stores_nothing_and_leaves_no_browser(ready, run, site, monkeypatch):
    """The key is unlocked while Chromium starts (issue 11 item 7): a wrong passphrase still stops the
    capture with its own message and exit code, nothing is stored or logged, and the browser is closed."""
    from evidence.errors import WrongPassphrase

    before = run("custody", "--json").out
    right = os.environ["EVIDENCE_PASSPHRASE"]
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", "not the passphrase")
    r = cap(run, site.url("/post"))
    assert r.code == WrongPassphrase.exit_code, r
    assert "wrong passphrase" in r.err and "Traceback" not in r.err
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", right)
    assert run("custody", "--json").out == before
    assert _browsers_under(os.getpid()) == []


# ---------------------------------------------------------------- a plain post, every artifact checked
def test_capture_every_artifact(ready, run, site):
    r = cap(run, site.url("/post"), "--note", "reported by email")
    rec = item_of(run, r)
    assert "Jo Bloggs" in r.out and "Hello world" in r.out and "2026-11-19T22:41:07Z" in r.out
    roles = [a["role"] for a in rec["artifacts"]]
    assert roles == ["screenshot", "screenshot_viewport", "served", "dom", "mhtml", "har", "warc", "layout", "metadata"]
    assert schema_errors(rec, "record") == []
    assert rec["kind"] == "capture" and rec["note"] == "reported by email"
    assert rec["source"]["url"] == site.url("/post") and rec["source"]["http_status"] == 200
    for a in rec["artifacts"]:
        assert a["sha256"] in r.out  # the hashes are printed
    full = Image.open(io.BytesIO(artifact(ready, rec, "screenshot")))
    view = Image.open(io.BytesIO(artifact(ready, rec, "screenshot_viewport")))
    assert full.format == view.format == "PNG"
    assert view.size == (1280, 800) and full.size[0] == 1280 and full.size[1] >= 800
    served = artifact(ready, rec, "served")
    assert served == __import__("webserver").post_page()  # byte for byte what the server sent
    assert b"Hello world" in artifact(ready, rec, "dom")
    mhtml = artifact(ready, rec, "mhtml").decode()
    assert mhtml.startswith("From: <Saved by Blink>") and "Hello world" in mhtml
    har = json.loads(artifact(ready, rec, "har"))
    assert har["log"]["version"] == "1.2" and har["log"]["creator"]["name"]
    assert any(e["request"]["url"] == site.url("/post") and e["response"]["status"] == 200
               for e in har["log"]["entries"])
    meta = metadata(ready, rec)
    assert schema_errors(meta, "capture-metadata") == []
    assert meta["post"]["author_name"] == "Jo Bloggs" and meta["post"]["text"] == "Hello world"
    assert meta["page"]["title"] == "A post" and meta["page"]["lang"] == "en"
    assert meta["page"]["meta"]["og:title"] == "Jo Bloggs on Chirp"
    assert meta["page"]["json_ld"][0]["parsed"]["@type"] == "SocialMediaPosting"
    assert meta["server"] == {"ip": "127.0.0.1", "port": site.http.server_address[1]}
    assert meta["tls"] is None
    assert {"name": "Server", "value": "EvidenceTest/1.0 Python/" + sys.version.split()[0]} in meta["http"]["headers"]
    b = meta["browser"]
    assert b["name"] == "chromium" and b["version"] and "Chrome/" in b["user_agent"]
    assert "--disable-background-networking" in b["args"] and "--disable-component-update" in b["args"]
    assert b["sandbox"] is (os.geteuid() != 0)
    assert meta["capture"]["started"]["utc"] <= meta["capture"]["finished"]["utc"]
    assert meta["session"] == {"used": False}
    assert meta["investigator"]["name"] == "A. Investigator" and meta["tool"]["name"] == "evidence"
    entries = json.loads(run("custody", rec["id"], "--json").out)
    assert entries[0]["action"] == "item.captured" and entries[0]["details"]["url"] == site.url("/post")
    assert run("verify").code == 0


# ---------------------------------------------------------------- recorded as evidence, not errors
@pytest.mark.parametrize("code", [404, 410, 451, 500, 503])
def test_http_errors_are_evidence(ready, run, site, code):
    r = cap(run, site.url(f"/status/{code}"))
    rec = item_of(run, r)
    assert rec["source"]["http_status"] == code and "http-error" in rec["flags"]
    assert f"HTTP {code}" in r.err  # warned on the terminal
    assert b"This post is gone" in artifact(ready, rec, "served")


@pytest.mark.parametrize("path,ctype", [("/image.png", "image/png"), ("/doc.pdf", "application/pdf"),
                                        ("/data.json", "application/json")])
def test_non_html_bodies_are_kept(ready, run, site, path, ctype):
    r = cap(run, site.url(path))
    rec = item_of(run, r)
    assert "non-html" in rec["flags"]
    served = next(a for a in rec["artifacts"] if a["role"] == "served")
    assert served["media_type"] == ctype and served["declared_media_type"] == ctype
    body = artifact(ready, rec, "served")
    if path == "/doc.pdf":
        assert body == __import__("webserver").PDF
    elif path == "/data.json":
        assert json.loads(body) == {"post": {"text": "json body", "n": 1.5}}
    Image.open(io.BytesIO(artifact(ready, rec, "screenshot"))).verify()


def test_main_document_download_is_kept(ready, run, site):
    r = cap(run, site.url("/attachment"))
    rec = item_of(run, r)
    assert artifact(ready, rec, "served") == b"col1,col2\nposted,text\n"
    assert "non-html" in rec["flags"]


# ---------------------------------------------------------------- clear errors, logged
@pytest.mark.parametrize("kind", ["dns", "refused", "tls", "loop", "hang"])
def test_failures_are_clear_and_logged(ready, run, site, kind):
    url = {"dns": "http://no-such-host.invalid/post",
           "refused": f"http://127.0.0.1:{closed_port()}/post",
           "tls": site.https_url("/post"),
           "loop": site.url("/loop"),
           "hang": site.url("/hang")}[kind]
    extra = ("--timeout", "3") if kind == "hang" else ()
    t = time.monotonic()
    r = cap(run, url, *extra)
    assert time.monotonic() - t < 30
    assert r.code == 7, r
    want = {"dns": "DNS lookup failed", "refused": "connection refused", "tls": "TLS certificate error",
            "loop": "redirect loop", "hang": "no response"}[kind]
    assert want in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1
    if kind == "tls":
        assert "--ignore-https-errors" in r.err
    entries = json.loads(run("custody", "--case", CASE, "--json").out)
    assert entries[-1]["action"] == "capture.failed" and entries[-1]["details"]["url"] == url
    assert json.loads(run("items", "--case", CASE, "--json").out) == []


def test_ignore_https_errors_is_recorded(ready, run, site):
    r = cap(run, site.https_url("/post"), "--ignore-https-errors")
    rec = item_of(run, r)
    assert "ignored-https-errors" in rec["flags"]
    meta = metadata(ready, rec)
    assert meta["capture"]["ignore_https_errors"] is True
    tls = meta["tls"]
    assert tls["protocol"].startswith("TLS") and tls["issuer"] == tls["subject"] == "127.0.0.1"  # self-signed, CN
    assert tls["valid_from"] < tls["valid_to"]
    assert meta["server"]["port"] == site.tls.server_address[1]


def test_redirects_are_recorded(ready, run, site):
    rec = item_of(run, cap(run, site.url("/redirect/3")))
    meta = metadata(ready, rec)
    assert meta["final_url"] == site.url("/post")
    assert [(x["url"], x["status"]) for x in meta["redirects"]] == [
        (site.url("/redirect/3"), 301), (site.url("/redirect/2"), 302), (site.url("/redirect/1"), 301)]
    assert rec["source"]["final_url"] == site.url("/post")


# ---------------------------------------------------------------- never hang, never crash
def test_page_that_never_finishes_is_captured_at_the_timeout(ready, run, site):
    t = time.monotonic()
    r = cap(run, site.url("/never"), "--timeout", "4")
    assert time.monotonic() - t < 30
    rec = item_of(run, r)
    assert "timed-out" in rec["flags"] and "had not finished loading" in r.err
    assert metadata(ready, rec)["capture"]["timed_out"] is True
    assert b"Loading forever" in artifact(ready, rec, "dom")


def test_body_that_never_finishes(ready, run, site):
    r = cap(run, site.url("/slow-body"), "--timeout", "4")
    rec = item_of(run, r)
    meta = metadata(ready, rec)
    assert "served" not in [a["role"] for a in rec["artifacts"]]
    assert meta["served"]["available"] is False and meta["served"]["note"]


def test_dialogs_are_dismissed_and_recorded(ready, run, site):
    rec = item_of(run, cap(run, site.url("/dialogs")))
    events = metadata(ready, rec)["events"]["dialogs"]
    assert [d["type"] for d in events] == ["alert", "confirm", "prompt"]
    assert events[0]["message"] == "You are being watched"
    assert "dialogs-dismissed" in rec["flags"]
    assert b"after dialogs false null" in artifact(ready, rec, "dom")


def test_popups_are_closed_and_recorded(ready, run, site):
    rec = item_of(run, cap(run, site.url("/popup")))
    popups = metadata(ready, rec)["events"]["popups"]
    assert len(popups) == 2


def test_downloads_are_refused_and_recorded(ready, run, site):
    rec = item_of(run, cap(run, site.url("/download-page")))
    downloads = metadata(ready, rec)["events"]["downloads"]
    assert downloads and downloads[0]["url"] == site.url("/file.bin")
    assert "downloads-refused" in rec["flags"]
    # nothing of the download was stored
    for a in rec["artifacts"]:
        assert b"secret-download" not in artifact(ready, rec, a["role"]) or a["role"] in ("har", "mhtml", "dom", "warc")


def test_infinite_scroll_stops_at_the_cap(ready, run, site):
    t = time.monotonic()
    r = cap(run, site.url("/infinite"), "--scroll", "--max-height", "6000", "--timeout", "20")
    assert time.monotonic() - t < 60
    rec = item_of(run, r)
    meta = metadata(ready, rec)
    assert meta["capture"]["scrolled"] and meta["capture"]["scroll_steps"] > 1
    assert meta["capture"]["height_capped"] and "height-capped" in rec["flags"]
    assert Image.open(io.BytesIO(artifact(ready, rec, "screenshot"))).size == (1280, 6000)


def test_huge_page(ready, run, site):
    """A page of several megabytes and over a million pixels tall: captured whole, screenshot capped."""
    t = time.monotonic()
    rec = item_of(run, cap(run, site.url("/big"), "--max-height", "20000"))
    assert time.monotonic() - t < 120
    meta = metadata(ready, rec)
    assert meta["capture"]["page_height"] > 1_000_000 and "height-capped" in rec["flags"]
    assert Image.open(io.BytesIO(artifact(ready, rec, "screenshot"))).size == (1280, 20000)
    assert len(artifact(ready, rec, "served")) > 2_500_000
    import quopri

    assert len(artifact(ready, rec, "dom")) > 2_500_000
    assert b"row 29999" in quopri.decodestring(artifact(ready, rec, "mhtml"))


def test_unreachable_remote_resources_do_not_hang(ready, run, site):
    t = time.monotonic()
    rec = item_of(run, cap(run, site.url("/remote")))
    assert time.monotonic() - t < 30
    assert "timed-out" not in rec.get("flags", [])


# ---------------------------------------------------------------- options a user expects
def test_emulation_options_take_effect_and_are_recorded(ready, run, site):
    r = cap(run, site.url("/echo"), "--viewport", "800x600", "--device-scale", "2", "--user-agent",
            "EvidenceBot/1.0 (investigations)", "--locale", "fr-FR", "--timezone", "Europe/Paris")
    rec = item_of(run, r)
    dom = artifact(ready, rec, "dom").decode()
    assert "EvidenceBot/1.0 (investigations)" in dom and "Europe/Paris" in dom and "fr-FR" in dom
    meta = metadata(ready, rec)
    assert meta["emulation"] == {"viewport": {"width": 800, "height": 600}, "device_scale_factor": 2,
                                 "locale": "fr-FR", "timezone": "Europe/Paris",
                                 "user_agent_override": "EvidenceBot/1.0 (investigations)"}
    assert Image.open(io.BytesIO(artifact(ready, rec, "screenshot_viewport"))).size == (1600, 1200)


def test_wait_for_selector(ready, run, site):
    rec = item_of(run, cap(run, site.url("/late"), "--wait-for", "#late"))
    assert b"arrived late" in artifact(ready, rec, "dom")
    assert metadata(ready, rec)["capture"]["wait_for_found"] is True
    r = cap(run, site.url("/post"), "--wait-for", "#never-there", "--timeout", "3")
    rec = item_of(run, r)
    assert "timed-out" in rec["flags"] and "did not appear" in r.err


@pytest.mark.parametrize("args,msg", [
    (("--viewport", "huge"), "malformed viewport"),
    (("--viewport", "50x50"), "out of range"),
    (("--timeout", "0"), "out of range"),
    (("--session", "/nonexistent/state.json"), "no session file"),
])
def test_bad_options(ready, run, site, args, msg):
    r = cap(run, site.url("/post"), *args)
    assert r.code == 6 and msg in r.err


def test_logged_in_session(ready, run, site, tmp_path):
    state = {"cookies": [{"name": "sessionid", "value": "TOPSECRET-COOKIE-VALUE", "domain": "127.0.0.1", "path": "/",
                          "expires": -1, "httpOnly": False, "secure": False, "sameSite": "Lax"}], "origins": []}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    r = cap(run, site.url("/members"), "--session", path, "--session-label", "investigations account")
    rec = item_of(run, r)
    assert b"Logged in as investigator" in artifact(ready, rec, "dom")
    assert "logged-in-session" in rec["flags"]
    meta_bytes = artifact(ready, rec, "metadata")
    meta = json.loads(meta_bytes)
    import hashlib

    assert meta["session"]["used"] is True and meta["session"]["label"] == "investigations account"
    assert meta["session"]["sha256"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["session"]["cookie_domains"] == ["127.0.0.1"]
    for role in ("metadata", "har", "warc", "record"):
        data = json.dumps(rec).encode() if role == "record" else artifact(ready, rec, role)
        assert b"TOPSECRET-COOKIE-VALUE" not in data, role
    assert {"name": "Cookie", "value": "sessionid=[redacted]"} in [
        {"name": h["name"].title(), "value": h["value"]} for h in meta["http"]["request_headers"]]
    assert meta["secrets_redacted"]["har_values"] >= 1
    assert rec["source"]["session"] == "investigations account"


# ---------------------------------------------------------------- batch
def test_batch_one_failure_does_not_stop_the_others(ready, run, site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("# reported on 2026-11-20\n" + "\n".join([
        site.url("/post"), site.url("/status/404"), f"http://127.0.0.1:{closed_port()}/gone", "",
        site.url("/echo")]) + "\n")
    r = run("capture", "--from-file", urls, "--case", CASE, "--concurrency", "2", LOOPBACK_ONLY)
    assert r.code == 10, r
    assert "Captured 3 of 4 URL(s)" in r.out and "FAILED http://127.0.0.1" in r.out
    assert len(json.loads(run("items", "--case", CASE, "--json").out)) == 3
    actions = [e["action"] for e in json.loads(run("custody", "--case", CASE, "--json").out)]
    assert actions.count("item.captured") == 3 and actions.count("capture.failed") == 1
    assert run("verify").code == 0


def test_batch_with_a_malformed_line_captures_nothing(ready, run, site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(site.url("/post") + "\nfile:///etc/passwd\n")
    r = run("capture", "--from-file", urls, "--case", CASE)
    assert r.code == 6 and "#2" in r.err and "nothing was captured" in r.err
    assert json.loads(run("items", "--case", CASE, "--json").out) == []


def test_capture_needs_an_open_case(ready, run, site):
    assert run("case", "close", CASE, "--reason", "done").code == 0
    r = cap(run, site.url("/post"))
    assert r.code == 5 and "closed" in r.err


# ---------------------------------------------------------------- browser discovery and doctor
def test_bad_browser_path(ready, run, site, tmp_path):
    r = cap(run, site.url("/post"), "--browser-path", tmp_path / "no-chrome")
    assert r.code == 7 and "not an executable" in r.err


def test_browser_discovery_order(monkeypatch, tmp_path):
    from evidence.capture import browser as b

    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Chromium 1.2.3'\n")
    fake.chmod(0o755)
    monkeypatch.delenv("EVIDENCE_BROWSER", raising=False)
    assert b.find_browser(str(fake)).source == "option"
    monkeypatch.setenv("EVIDENCE_BROWSER", str(fake))
    info = b.find_browser(with_version=True)
    assert info.source == "EVIDENCE_BROWSER" and info.version == "Chromium 1.2.3"
    monkeypatch.delenv("EVIDENCE_BROWSER")
    pw = tmp_path / "ms-playwright" / "chrome"
    pw.parent.mkdir()
    pw.write_text("")
    assert b.find_browser(playwright_path=str(pw)).source == "playwright"
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setattr(b, "SYSTEM_PATHS", ())
    info = b.find_browser(playwright_path=str(tmp_path / "not-installed"))
    assert info.source == "system" and info.path == str(fake)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(Exception, match="no Chromium or Chrome found"):
        b.find_browser(playwright_path=str(tmp_path / "not-installed"))


def test_doctor(ready, run):
    r = run("doctor")
    assert r.code == 0, r
    assert "[ok  ] browser" in r.out and "it starts" in r.out
    assert "[ok  ] store" in r.out and "[ok  ] key" in r.out
    js = json.loads(run("doctor", "--json").out)
    assert js["ok"] and {c["name"] for c in js["checks"]} >= {"browser", "store", "key"}


def test_doctor_without_store(env, run):
    r = run("doctor")
    assert r.code == 1 and "[FAIL] store" in r.out and "evidence init" in r.out


# ---------------------------------------------------------------- logged-in session recording under Xvfb
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is installed by `make setup`")
def test_session_record_under_xvfb(ready, run, site, tmp_path):
    display = ":%d" % (90 + os.getpid() % 100)
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        out = tmp_path / "state.json"
        env = dict(os.environ, DISPLAY=display)
        from conftest import ROOT

        proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "session", "record", site.url("/login"),
                                 "--out", str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, text=True)
        deadline = time.monotonic() + 60
        while "/login" not in site.hits and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        stdout, stderr = proc.communicate("\n", timeout=60)
        assert proc.returncode == 0, stderr
        assert "Saved session" in stdout and "127.0.0.1" in stdout
        assert oct(out.stat().st_mode & 0o777) == "0o600"
        r = cap(run, site.url("/members"), "--session", out)
        rec = item_of(run, r)
        assert b"Logged in as investigator" in artifact(ready, rec, "dom")
    finally:
        xvfb.terminate()
        xvfb.wait()


def test_session_record_without_display(env, run, monkeypatch, site, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    r = run("session", "record", site.url("/login"), "--out", tmp_path / "s.json")
    assert r.code == 6 and "needs a display" in r.err and "Xvfb" in r.err
