"""Captures that must not mislead (issue 9, hardening), with real Chromium on loopback servers:
a browser error page is never a capture, every hop of a redirect chain is recorded and a private
one flagged, and a URL's user name and password never reach anything stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CASE
from evidence.errors import CaptureError
from hopsite import HopSite, page
from webserver import closed_port

# every name but loopback's own resolves to nothing: nothing leaves the machine
LOOPBACK_ONLY = "--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"


@pytest.fixture
def site():
    with HopSite() as s:
        yield s


def cap(run, url, *extra):
    return run("capture", url, "--case", CASE, LOOPBACK_ONLY, "--timeout", "30", *extra)


def record_of(run, r) -> dict:
    assert r.code == 0, r
    return json.loads(run("show", r.out.split()[1], "--json").out)["record"]


def artifact(env, rec, role) -> bytes:
    art = next(a for a in rec["artifacts"] if a["role"] == role)
    hx = art["sha256"].split(":")[1]
    return (env["store"] / "artifacts" / "sha256" / hx[:2] / hx).read_bytes()


def custody(run) -> list[dict]:
    return json.loads(run("custody", "--case", CASE, "--json").out)


# ---------------------------------------------------------------- 1. a browser error page is not a capture
def test_meta_refresh_to_a_dead_port_fails_and_is_logged(ready, run, site):
    dead = f"http://127.0.0.1:{closed_port()}/gone"
    site.route("/moved", page("moving", head=f'<meta http-equiv="refresh" content="0;url={dead}">'))
    items_before = run("list", "--json").out
    r = cap(run, site.url("/moved"))
    assert r.code == CaptureError.exit_code, r
    assert f"went on to {dead}" in r.err and "could not be loaded" in r.err and "connection refused" in r.err
    assert "chrome-error" not in r.err
    assert run("list", "--json").out == items_before  # nothing was kept as evidence
    last = custody(run)[-1]
    assert last["action"] == "capture.failed" and last["details"]["reason"] == "error-page"
    assert last["details"]["url"] == site.url("/moved")
    assert not any(e["action"] == "item.captured" for e in custody(run))


def test_script_navigation_to_a_dead_port_fails_too(ready, run, site):
    dead = f"http://127.0.0.1:{closed_port()}/gone"
    site.route("/js", page("moving", body=f"<script>location.href = {json.dumps(dead)};</script>"))
    r = cap(run, site.url("/js"))
    assert r.code == CaptureError.exit_code, r
    assert "could not be loaded" in r.err
    assert custody(run)[-1]["details"]["reason"] == "error-page"


# ---------------------------------------------------------------- 2. every hop recorded, a private one flagged
def test_every_hop_is_recorded_and_a_hop_to_another_loopback_host_is_flagged(ready, run, site):
    final = site.url("/final")
    site.route("/start", status=302, headers={"Location": site.url("/meta", host="localhost")})
    site.route("/meta", page("meta", head=f'<meta http-equiv="refresh" content="0;url={site.url("/js", host="localhost")}">'))
    site.route("/js", page("script", body=f"<script>location.href = {json.dumps(final)};</script>"))
    site.route("/final", page("the post", body="<p id='final'>arrived</p>"))
    r = cap(run, site.url("/start"), "--wait-for", "#final")
    rec = record_of(run, r)
    meta = json.loads(artifact(ready, rec, "metadata"))
    hops = meta["hops"]
    assert [h["url"] for h in hops] == [site.url("/start"), site.url("/meta", host="localhost"),
                                        site.url("/js", host="localhost"), final]
    assert [h["via"] for h in hops] == ["start", "http-302", "meta-refresh", "script"]
    assert [h["status"] for h in hops] == [302, 200, 200, 200]
    assert all(h["address"] == "loopback" for h in hops)
    assert [h["private"] for h in hops] == [False, True, True, True]  # the first is the address asked for
    assert "private-hop" in rec["flags"] and "private-hop" in meta["flags"]
    warned = [w for w in meta["warnings"] if "loopback address" in w]
    assert len(warned) == 3 and "private-hop" not in r.err and "loopback address" in r.err
    # what was kept is the last document, not the first
    assert meta["final_url"] == final and rec["source"]["final_url"] == final
    assert b"arrived" in artifact(ready, rec, "served") and b"arrived" in artifact(ready, rec, "dom")


def test_a_page_without_hops_is_not_flagged(ready, run, site):
    site.route("/post", page("the post"))
    rec = record_of(run, cap(run, site.url("/post")))
    meta = json.loads(artifact(ready, rec, "metadata"))
    assert [h["via"] for h in meta["hops"]] == ["start"] and meta["hops"][0]["address"] == "loopback"
    assert "private-hop" not in rec.get("flags", [])


def test_address_classes():
    from evidence.capture.hops import address_class

    assert address_class("http://127.0.0.2/") == "loopback"
    assert address_class("http://localhost:8080/") == "loopback"
    assert address_class("http://[::1]/") == "loopback"
    assert address_class("http://10.1.2.3/") == "private"
    assert address_class("http://192.168.0.1/") == "private"
    assert address_class("http://[fd00::1]/") == "private"
    assert address_class("http://169.254.169.254/latest/meta-data/") == "link-local"
    assert address_class("http://0.0.0.0/") == "unspecified"
    assert address_class("http://[::ffff:127.0.0.1]/") == "loopback"
    assert address_class("https://example.org/", "10.0.0.5") == "private"
    assert address_class("https://example.org/", "93.184.215.14") == "public"
    assert address_class("https://example.org/") == "unknown"


# ---------------------------------------------------------------- 3. credentials in the URL
PASSWORD = "Zq7-unguessable-Pw"


def stored_bytes(env) -> bytes:
    out = []
    for root in (env["store"], env["config"], env["tmp"] / "state", env["tmp"] / "xdg-state"):
        for p in Path(root).rglob("*") if Path(root).exists() else ():
            if p.is_file():
                out.append(p.read_bytes())
    return b"\n".join(out)


def test_credentials_are_used_and_never_stored(ready, run, site):
    site.route("/members", page("members only", body="<p>the post</p>"), basic=f"ann:{PASSWORD}")
    url = site.url("/members", userinfo=f"ann:{PASSWORD}")
    r = cap(run, url)
    rec = record_of(run, r)
    assert any(auth for _, path, auth in site.hits if path == "/members")  # the credentials were used
    assert "credentials-removed" in rec["flags"]
    assert rec["source"]["url"] == site.url("/members")
    meta = json.loads(artifact(ready, rec, "metadata"))
    assert meta["requested_url"] == site.url("/members") and "credentials-removed" in meta["flags"]
    assert all("ann:" not in h["url"] for h in meta["hops"])
    assert PASSWORD not in r.out + r.err
    r = run("custody", "--case", CASE, "--json")
    assert PASSWORD not in r.out and "ann:" not in r.out
    data = stored_bytes(ready)
    assert data and PASSWORD.encode() not in data and b"ann:" + PASSWORD.encode() not in data


def test_credentials_of_a_failed_capture_are_not_logged(ready, run):
    url = f"http://ann:{PASSWORD}@127.0.0.1:{closed_port()}/gone"
    r = cap(run, url)
    assert r.code == CaptureError.exit_code, r
    assert PASSWORD not in r.out + r.err
    last = custody(run)[-1]
    assert last["action"] == "capture.failed" and last["details"]["credentials_removed"] is True
    assert PASSWORD not in json.dumps(last) and "ann:" not in json.dumps(last)
    assert PASSWORD.encode() not in stored_bytes(ready)


def test_strip_and_scrub():
    from evidence.capture.urls import scrub_credentials, strip_credentials

    assert strip_credentials("https://u:p%40ss@h.example:8/a?b=c@d") == ("https://h.example:8/a?b=c@d", True)
    assert strip_credentials("https://h.example/a@b") == ("https://h.example/a@b", False)
    url = "https://u:p%40ssword@h.example/"
    assert scrub_credentials("at https://u:p%40ssword@h.example/ with p@ssword", url) == \
        "at https://h.example/ with [redacted]"
