"""The ``evidence`` command line: a thin click layer over the :mod:`evidence` library.

Each command parses its options, calls one library function, and prints. Errors
from the library (:class:`evidence.errors.EvidenceError`) become a one-line
message and the exit code listed in :mod:`evidence.errors`; this mapping lives
only in :func:`main`.

Run from a checkout without installing: ``python cli.py --help`` or ``python -m evidence --help``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

import evidence
from evidence import errors
from evidence.api import ROLES, Evidence

PASS_ENV = "EVIDENCE_PASSPHRASE"


# ---------------------------------------------------------------- helpers
class Ctx:
    def __init__(self, store: str | None, key_file: str | None):
        self.store = store
        self.key_file = key_file
        self._ev: Evidence | None = None

    def passphrase(self) -> bytes:
        env = os.environ.get(PASS_ENV)
        if env is not None:
            return env.encode("utf-8")
        if not sys.stdin.isatty():
            raise errors.WrongPassphrase("a passphrase is needed to unlock the key",
                                         hint=f"set {PASS_ENV}, or run in a terminal to be asked")
        return click.prompt("Passphrase for your signing key", hide_input=True, err=True).encode("utf-8")

    def ev(self) -> Evidence:
        if self._ev is None:
            self._ev = Evidence.open(self.store, key_file=self.key_file, passphrase=self.passphrase)
        return self._ev

    def close(self) -> None:
        if self._ev is not None:
            for w in self._ev.warnings:
                warn(w)
            self._ev.close()


pass_ctx = click.make_pass_decorator(Ctx)


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def warn(msg: str) -> None:
    click.secho(f"warning: {msg}", fg="yellow", err=True)


def table(rows: list[list[str]], headers: list[str]) -> None:
    if not rows:
        return
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    click.echo("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip())
    for r in rows:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def short(fp: str) -> str:
    return fp.replace("sha256:", "")[:16]


# ---------------------------------------------------------------- the group
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(evidence.__version__, prog_name="evidence")
@click.option("--store", envvar="EVIDENCE_STORE", type=click.Path(file_okay=True, dir_okay=True),
              help="The store folder (default: EVIDENCE_STORE, then your data directory).")
@click.option("--key-file", envvar="EVIDENCE_KEY", type=click.Path(),
              help="Your private key file (default: EVIDENCE_KEY, then the key made by `evidence key create`).")
@click.pass_context
def cli(ctx: click.Context, store: str | None, key_file: str | None) -> None:
    """Preserve reported social-media posts as signed, verifiable evidence."""
    obj = Ctx(store, key_file)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


@cli.command()
@pass_ctx
def init(c: Ctx) -> None:
    """Create a new, empty store."""
    ev = Evidence.init(c.store)
    click.echo(f"Created evidence store {ev.store.path} (id {ev.store.store_id}).")
    click.echo("Next: `evidence key create` (if you have no key yet), then `evidence case open`.")
    ev.close()


# ---------------------------------------------------------------- keys
@cli.group()
def key() -> None:
    """Investigators' signing keys."""


@key.command("create")
@click.option("--name", required=True, help="Your name, as it should appear in records.")
@click.option("--email", required=True)
@click.option("--role", default="investigator", show_default=True,
              type=click.Choice(ROLES))
@click.option("--key-file", "key_out", type=click.Path(), help="Where to write the private key (default: your config folder).")
@click.option("--no-register", is_flag=True, help="Only make the key; do not register it in the store.")
@pass_ctx
def key_create(c: Ctx, name: str, email: str, role: str, key_out: str | None, no_register: bool) -> None:
    """Make an Ed25519 key pair, protected by a passphrase, and register it in the store."""
    env = os.environ.get(PASS_ENV)
    if env is not None:
        pw = env.encode("utf-8")
    elif sys.stdin.isatty():
        pw = click.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True).encode("utf-8")
    else:
        raise errors.InputError("a passphrase is needed for the new key", hint=f"set {PASS_ENV}, or run in a terminal")
    made = Evidence.create_key(name, email, role, pw, key_file=key_out, store=c.store, register=not no_register)
    signer = made.signer
    click.echo(f"Created key {signer.fingerprint}")
    click.echo(f"  private key: {signer.key_file} (mode 0600; keep it and its passphrase to yourself)")
    if no_register:
        return
    if made.store is None:
        click.echo(f"Not registered in a store ({made.not_registered}); run `evidence key register` once the store exists.")
        return
    click.echo(f"Registered in store {made.store}.")


@key.command("register")
@pass_ctx
def key_register(c: Ctx) -> None:
    """Register your existing key in this store (for a store shared by several investigators)."""
    ev = c.ev()
    row = ev.register_key()
    click.echo(f"Key {row['fingerprint']} ({row['name']}) is registered in {ev.store.path}.")


@key.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def key_list(c: Ctx, as_json: bool) -> None:
    """The public keys registered in the store."""
    keys = c.ev().keys()
    if as_json:
        emit_json(keys)
        return
    if not keys:
        click.echo("No keys registered. Make one with `evidence key create`.")
    table([[k["fingerprint"], k["name"], k["email"], k["role"], k["registered_utc"]] for k in keys],
          ["FINGERPRINT", "NAME", "EMAIL", "ROLE", "REGISTERED"])


@key.command("export")
@click.argument("fingerprint")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the PEM to this file instead of standard output.")
@pass_ctx
def key_export(c: Ctx, fingerprint: str, out: str | None) -> None:
    """Print a registered public key (PEM), for a reader to check signatures with openssl."""
    k = c.ev().key(fingerprint)
    if out:
        if Path(out).exists():
            raise errors.InputError(f"{out} already exists", hint="choose another --out")
        Path(out).write_text(k["public_pem"], encoding="ascii")
        click.echo(f"Wrote {k['fingerprint']} to {out}")
    else:
        click.echo(k["public_pem"], nl=False)


# ---------------------------------------------------------------- cases
@cli.group()
def case() -> None:
    """Open, list, show and close cases."""


@case.command("open")
@click.argument("ref")
@click.option("--title", required=True)
@click.option("--subject", help="Whom the reported posts are about / by.")
@click.option("--complainant", help="Who reported them.")
@pass_ctx
def case_open(c: Ctx, ref: str, title: str, subject: str | None, complainant: str | None) -> None:
    """Open a case with reference REF (e.g. SMP-2026-014)."""
    row = c.ev().open_case(ref, title=title, subject=subject, complainant=complainant)
    click.echo(f"Opened case {row['ref']}: {row['title']}")


@case.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def case_list(c: Ctx, as_json: bool) -> None:
    """Every case in the store."""
    cases = c.ev().cases()
    if as_json:
        emit_json(cases)
        return
    if not cases:
        click.echo("No cases yet. Open one with `evidence case open REF --title ...`.")
    table([[x["ref"], x["status"], x["items"], x["opened_utc"], x["title"]] for x in cases],
          ["CASE", "STATUS", "ITEMS", "OPENED", "TITLE"])


@case.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def case_show(c: Ctx, ref: str, as_json: bool) -> None:
    """One case and its items."""
    ev = c.ev()
    row = ev.case(ref)
    items = [i.summary() for i in ev.items(row["ref"])]
    if as_json:
        emit_json(dict(row, item_list=items))
        return
    for k in ("ref", "title", "subject", "complainant", "status", "opened_utc", "closed_utc", "close_reason"):
        if row.get(k):
            click.echo(f"{k.replace('_utc', '').replace('_', ' ').capitalize():12} {row[k]}")
    click.echo(f"{'Items':12} {len(items)}")
    for i in items:
        click.echo(f"  {i['id']}  {i['kind']:9} {i['created']}  {i['source']}")


@case.command("close")
@click.argument("ref")
@click.option("--reason", required=True)
@pass_ctx
def case_close(c: Ctx, ref: str, reason: str) -> None:
    """Close a case: nothing more can be added to it."""
    row = c.ev().close_case(ref, reason=reason)
    click.echo(f"Closed case {row['ref']}.")


# ---------------------------------------------------------------- items
@cli.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option("--case", "case_ref", required=True)
@click.option("--received-from", required=True, help='Who supplied the files, e.g. "complainant".')
@click.option("--received-at", required=True, help="When they were received (RFC 3339, e.g. 2026-11-20T09:14Z).")
@click.option("--note")
@pass_ctx
def import_(c: Ctx, files: tuple[str, ...], case_ref: str, received_from: str, received_at: str,
            note: str | None) -> None:
    """Take in files someone else supplied (one item per file)."""
    items = c.ev().import_files(files, case=case_ref, received_from=received_from, received_at=received_at, note=note)
    for it in items:
        art = it.artifacts[0]
        click.echo(f"{it.id}  {art['sha256']}  {art['size']:>10}  {art['media_type']:24} {art.get('name', '')}")
        if "empty-file" in it.flags:
            warn(f"{art.get('name')} is empty (0 bytes); taken in and flagged as empty-file")
    click.echo(f"Imported {len(items)} item(s) into case {items[0].case_ref}.")


@cli.command("items")
@click.option("--case", "case_ref", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def items_cmd(c: Ctx, case_ref: str, as_json: bool) -> None:
    """The items of a case."""
    items = c.ev().items(case_ref)
    if as_json:
        emit_json([i.summary() for i in items])
        return
    if not items:
        click.echo(f"No items in case {case_ref} yet.")
    table([[i.id, i.kind, i.created_utc, len(i.artifacts), ",".join(i.flags), i.summary()["source"]] for i in items],
          ["ITEM", "KIND", "CREATED", "FILES", "FLAGS", "SOURCE"])


@cli.command("show")
@click.argument("item_id")
@click.option("--json", "as_json", is_flag=True, help="Print the signed record itself.")
@pass_ctx
def show(c: Ctx, item_id: str, as_json: bool) -> None:
    """One item: its record, artifacts and hashes."""
    it = c.ev().item(item_id)
    if as_json:
        emit_json({"record": it.record, "record_hash": it.record_hash, "signature": it.signature.hex()})
        return
    s = it.summary()
    click.echo(f"Item       {it.id}")
    click.echo(f"Case       {it.case_ref}")
    click.echo(f"Kind       {it.kind}")
    click.echo(f"Source     {s['source']}")
    click.echo(f"Created    {it.record['created']['utc']} (local {it.record['created']['local']})")
    click.echo(f"Signed by  {s['signer']} {it.signer}")
    click.echo(f"Record     {it.record_hash}")
    if it.flags:
        click.echo(f"Flags      {', '.join(it.flags)}")
    if it.record.get("note"):
        click.echo(f"Note       {it.record['note']}")
    post = s.get("post")
    if post:
        click.echo(f"Author     {post.get('author_name')} {post.get('author_handle') or ''}".rstrip())
        click.echo(f"Published  {post.get('published')}")
        click.echo(f"Text       {(post.get('text') or '')[:300]}")
    for t in c.ev().timestamps(it.id):
        if t["status"] == "granted":
            click.echo(f"Timestamp  {t['gen_time']} by {t['tsa_url']} (serial {t['serial']})")
        else:
            click.echo(f"Timestamp  pending from {t['tsa_url']} ({t['last_error']}); retry: evidence timestamp --pending")
    click.echo("Artifacts")
    for a in it.artifacts:
        extra = f" {a['image']['width']}x{a['image']['height']}" if a.get("image") else ""
        click.echo(f"  {a['role']:20} {a['sha256']}  {a['size']:>10}  {a['media_type']}{extra}")


@cli.command("export")
@click.argument("item_id")
@click.option("--to", "to", required=True, type=click.Path(file_okay=False))
@click.option("--role", "roles", multiple=True, help="Only these artifacts (repeatable).")
@pass_ctx
def export(c: Ctx, item_id: str, to: str, roles: tuple[str, ...]) -> None:
    """Copy an item's artifacts and signed record out of the store (logged)."""
    paths = c.ev().export(item_id, to, roles=roles or None)
    for p in paths:
        click.echo(str(p))


@cli.command("cat")
@click.argument("item_id")
@click.option("--role", help="Which artifact (default: the first).")
@pass_ctx
def cat(c: Ctx, item_id: str, role: str | None) -> None:
    """Write one artifact's bytes to standard output (logged as viewed)."""
    _, data = c.ev().read_artifact(item_id, role)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@cli.command("custody")
@click.argument("item_id", required=False)
@click.option("--case", "case_ref")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def custody_cmd(c: Ctx, item_id: str | None, case_ref: str | None, as_json: bool) -> None:
    """The chain of custody of an item, a case, or the whole store."""
    if item_id and case_ref:
        raise errors.InputError("give an ITEM or --case, not both")
    entries = c.ev().custody(case=case_ref, item=item_id)
    if as_json:
        emit_json([e.as_dict() for e in entries])
        return
    if not entries:
        click.echo("No custody entries.")
    for e in entries:
        subj = e.entry["subject"]
        click.echo(f"{e.seq:>6}  {e.entry['time']['utc']}  {e.action:20} {subj['type']} {subj['id']}  "
                   f"by {e.entry['actor']['name']} ({short(e.actor)})")
        d = e.entry["details"]
        for k in ("record_hash", "reason", "to", "sha256", "clause", "summary", "url", "error", "for"):
            if d.get(k):
                click.echo(f"        {k}: {d[k]}")


# ---------------------------------------------------------------- capture
def capture_options(viewport, device_scale, wait_until, wait_for, timeout, scroll, user_agent, locale, timezone,
                    session, session_label, ignore_https_errors, max_height, browser_path, browser_args):
    from evidence.api import CaptureOptions, parse_viewport

    return CaptureOptions(viewport=parse_viewport(viewport), device_scale_factor=device_scale,
                          wait_until=wait_until, wait_for=wait_for, timeout=timeout, scroll=scroll,
                          user_agent=user_agent, locale=locale, timezone=timezone, session=session,
                          session_label=session_label, ignore_https_errors=ignore_https_errors,
                          max_height=max_height, browser_path=browser_path, browser_args=tuple(browser_args))


def browser_options(f):
    for opt in reversed([
        click.option("--viewport", default="1280x800", show_default=True, help="Browser window size WIDTHxHEIGHT."),
        click.option("--device-scale", default=1, show_default=True, type=int, help="Device pixel ratio (1-4)."),
        click.option("--wait-until", default="load", show_default=True,
                     type=click.Choice(["load", "domcontentloaded", "networkidle", "commit"])),
        click.option("--wait-for", help="A CSS selector to wait for before capturing."),
        click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds to let the page load."),
        click.option("--scroll", is_flag=True, help="Scroll down first to load lazy content."),
        click.option("--user-agent", help="Override the browser's user agent (recorded)."),
        click.option("--locale", default="en-GB", show_default=True),
        click.option("--timezone", help="IANA time zone for the page (default: this machine's)."),
        click.option("--session", type=click.Path(dir_okay=False),
                     help="A logged-in browser state (from `evidence session record`); recorded by its SHA-256."),
        click.option("--session-label", help='Whose view it is, e.g. "investigations account".'),
        click.option("--ignore-https-errors", is_flag=True, help="Capture despite TLS errors (recorded)."),
        click.option("--max-height", default=20000, show_default=True, type=int, help="Cap of the full-page screenshot, px."),
        click.option("--browser-path", envvar="EVIDENCE_BROWSER", help="Chromium/Chrome executable to use."),
        click.option("--browser-arg", "browser_args", multiple=True, help="Extra Chromium flag (repeatable, recorded)."),
    ]):
        f = opt(f)
    return f


def print_capture(it) -> None:
    post = it.post()
    click.echo(f"Captured {it.id}  {it.record['source'].get('final_url') or it.record['source']['url']}")
    status = it.record["source"].get("http_status")
    click.echo(f"  HTTP status  {status}")
    if post.get("platform"):
        click.echo(f"  Platform     {post['platform']}")
    click.echo(f"  Author       {post.get('author_name') or '(not found)'} {post.get('author_handle') or ''}".rstrip())
    click.echo(f"  Published    {post.get('published') or '(not found)'}")
    text = (post.get("text") or "(not found)").replace("\n", " ")
    click.echo(f"  Text         {text[:200]}{'...' if len(text) > 200 else ''}")
    for a in it.artifacts:
        click.echo(f"  {a['role']:20} {a['sha256']}  {a['size']:>9}  {a['media_type']}")


@cli.command("capture")
@click.argument("url", required=False)
@click.option("--case", "case_ref", required=True)
@click.option("--from-file", "from_file", type=click.Path(dir_okay=False), help="Capture every URL in this file (one per line).")
@click.option("--concurrency", default=2, show_default=True, type=int, help="Pages at a time, with --from-file.")
@click.option("--note")
@browser_options
@pass_ctx
def capture_cmd(c: Ctx, url, case_ref, from_file, concurrency, note, **bopts) -> None:
    """Capture a reported post from its URL (or every URL in --from-file)."""
    if (url is None) == (from_file is None):
        raise errors.InputError("give a URL or --from-file FILE (one of them)")
    options = capture_options(**bopts)
    ev = c.ev()
    if url is not None:
        it = ev.capture(url, case=case_ref, options=options, note=note)
        for w in _capture_warnings(it):
            warn(w)
        print_capture(it)
        return
    try:
        lines = Path(from_file).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise errors.InputError(f"no such file: {from_file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.InputError(f"cannot read {from_file}: {exc}") from None
    urls = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    show_bar = sys.stderr.isatty()
    bar = click.progressbar(length=len(urls), label="Capturing", file=sys.stderr) if show_bar and urls else None
    if bar:
        bar.__enter__()

    def on_result(out) -> None:
        if bar:
            bar.update(1)
        else:
            click.echo(f"{'ok    ' if out.ok else 'FAILED'} {out.url}", err=True)

    try:
        results = ev.capture_many(urls, case=case_ref, options=options, concurrency=concurrency, note=note,
                                  on_result=on_result)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            post = r.item.post()
            click.echo(f"{r.item.id}  {r.url}  {post.get('author_name') or ''}")
            for w in r.warnings:
                warn(f"{r.url}: {w}")
    for r in failed:
        click.echo(f"FAILED {r.url}: {r.error}")
    click.echo(f"Captured {len(ok)} of {len(results)} URL(s) into case {case_ref}; {len(failed)} failed.")
    if failed:
        raise errors.BatchFailed(f"{len(failed)} of {len(results)} captures failed (listed above; each is in the custody log)")


def _capture_warnings(it) -> list[str]:
    return list((it.record.get("metadata") or {}).get("warnings") or [])


@cli.group()
def session() -> None:
    """Logged-in browser sessions for capturing what only a logged-in user sees."""


@session.command("record")
@click.argument("url")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to save the session (keep it private).")
@click.option("--browser-path", envvar="EVIDENCE_BROWSER")
@click.option("--wait", "wait_seconds", type=float, help="Save after this many seconds instead of waiting for Enter.")
def session_record(url: str, out: str, browser_path: str | None, wait_seconds: float | None) -> None:
    """Open a visible browser at URL; log in; press Enter here to save the session (needs a display)."""
    from evidence.api import record_session

    def wait() -> None:
        if wait_seconds is not None:
            import time

            time.sleep(wait_seconds)
        else:
            click.echo("Log in in the browser window, then press Enter here to save the session.", err=True)
            sys.stdin.readline()

    info = record_session(url, out, wait=wait, browser_path=browser_path)
    click.echo(f"Saved session to {out} (mode 0600; it holds login cookies: keep it private). "
               f"SHA-256 {info['sha256']}; cookies for {', '.join(info['cookie_domains']) or 'no domain'}.")


@cli.command("doctor")
@click.option("--browser-path", envvar="EVIDENCE_BROWSER")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def doctor(c: Ctx, browser_path: str | None, as_json: bool) -> None:
    """Say which browser captures will use, and whether the store and your key are in order."""
    from evidence.api import doctor as run_doctor

    report = run_doctor(store=c.store, key_file=c.key_file, browser_path=browser_path)
    if as_json:
        emit_json(report)
    else:
        for check in report["checks"]:
            mark = "ok  " if check["ok"] else "FAIL" if check.get("required", True) else "warn"
            click.echo(f"[{mark}] {check['name']:8} {check['detail']}")
            if not check["ok"] and check.get("fix"):
                click.echo(f"         fix: {check['fix']}")
    if not report["ok"]:
        raise SystemExit(1)


@cli.command("demo")
@click.option("--dir", "workdir", default="demo-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the demo's store, key and pack (replaced if it holds an earlier demo).")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF report (faster).")
def demo(workdir: str, no_pdf: bool) -> None:
    """Run a whole investigation on the built-in fictional posts, offline, in its own folder."""
    from evidence.api import run_demo

    result = run_demo(workdir, echo=click.echo, with_pdf=not no_pdf)
    click.echo("")
    click.echo(f"Done. Look around with: evidence --store {result['store']} case show {result['case']}")
    click.echo(f"Act as the demo investigator with: EVIDENCE_KEY={result['key_file']} "
               f"EVIDENCE_PASSPHRASE='{result['passphrase']}'")
    if result.get("pack"):
        click.echo(f"Read the report: unzip -d pack {result['pack']}, then open pack/index.html in a browser; "
                   f"check it: evidence verify-bundle {result['pack']} --key {result['key']}")


# ---------------------------------------------------------------- policy, allegations, packs
@cli.command("clauses")
@click.option("--search", "word", help="Only clauses mentioning this word.")
@click.option("--policy", type=click.Path(dir_okay=False), help="Another institution's clause catalogue (JSON).")
@click.option("--json", "as_json", is_flag=True)
def clauses(word: str | None, policy: str | None, as_json: bool) -> None:
    """List the policy's clauses (the University of Leeds Social Media Policy unless --policy)."""
    from evidence.api import clauses as find_clauses

    cat, found = find_clauses(policy, search=word)
    if as_json:
        emit_json({"policy": {"id": cat.policy_id, "title": cat.title, "version": cat.version, "sha256": cat.sha256},
                   "clauses": [c.as_dict() for c in found]})
        return
    click.echo(f"{cat.title} ({cat.institution}), version {cat.version}, {cat.sha256}")
    if not found:
        click.echo(f"No clause mentions {word!r}.")
    for c in found:
        click.echo(f"{c.id:28} [{c.kind}] {c.title}")
        click.echo(f"{'':28} {c.quoted()[:300]}{'...' if len(c.quoted()) > 300 else ''}")


@cli.group("allege", invoke_without_command=True)
@click.option("--case", "case_ref")
@click.option("--clause")
@click.option("--evidence", "evidence_ids", multiple=True, help="Item ids (several may follow one --evidence).")
@click.option("--summary", help="Your reasoning: why the exhibits breach the clause.")
@click.option("--policy", type=click.Path(dir_okay=False), help="Another institution's clause catalogue (JSON).")
@click.pass_context
def allege(ctx: click.Context, case_ref, clause, evidence_ids, summary, policy) -> None:
    """Link exhibits to the policy clause they allegedly breach (signed and logged)."""
    if ctx.invoked_subcommand:
        return
    missing = [n for n, v in (("--case", case_ref), ("--clause", clause), ("--evidence", evidence_ids),
                              ("--summary", summary)) if not v]
    if missing:
        raise click.UsageError("missing " + ", ".join(missing) + " (e.g. evidence allege --case REF --clause 6.1 "
                               "--evidence ITEM [ITEM...] --summary \"...\")")
    c = ctx.find_object(Ctx)
    a = c.ev().allege(case=case_ref, clause=clause, evidence=list(evidence_ids), summary=summary, policy=policy)
    click.echo(f"Allegation {a['id']}: clause {a['clause']} in case {a['case']}, exhibits {', '.join(a['evidence'])}")


@allege.command("withdraw")
@click.argument("allegation_id")
@click.option("--reason", required=True)
@pass_ctx
def allege_withdraw(c: Ctx, allegation_id: str, reason: str) -> None:
    """Withdraw an allegation (it is kept, marked withdrawn, with the reason)."""
    a = c.ev().withdraw_allegation(allegation_id, reason=reason)
    click.echo(f"Withdrew allegation {a['id']} (clause {a['clause']}).")


@allege.command("list")
@click.option("--case", "case_ref", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def allege_list(c: Ctx, case_ref: str, as_json: bool) -> None:
    """The allegations of a case, withdrawn ones included."""
    rows = c.ev().allegations(case_ref)
    if as_json:
        emit_json([{k: v for k, v in a.items() if k != "records"} for a in rows])
        return
    if not rows:
        click.echo(f"No allegations in case {case_ref}.")
    for a in rows:
        click.echo(f"{a['id']}  {a['status']:9} clause {a['clause']:10} exhibits {', '.join(a['evidence'])}")
        click.echo(f"    {a['summary']}")
        if a["withdrawn_reason"]:
            click.echo(f"    withdrawn: {a['withdrawn_reason']}")


@cli.command("suggest")
@click.argument("item_id")
@click.option("--policy", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def suggest_cmd(c: Ctx, item_id: str, policy: str | None, as_json: bool) -> None:
    """Clauses a captured post's text may touch: an aid to the investigator, never an allegation."""
    view = c.ev().suggest(item_id, policy=policy)
    text, found = view["text"], view["suggestions"]
    if as_json:
        emit_json({"label": view["label"], "item": view["item"], "suggestions": [s.as_dict() for s in found]})
        return
    click.echo(view["label"])
    if not text:
        click.echo(f"Item {view['item']} has no post text to read (it is {'an image' if view['kind'] == 'import' else 'without text'}); "
                   "look at it and allege by hand.")
        return
    if not found:
        click.echo("No clause's indicator words appear in the text.")
    for sgn in found:
        click.echo(f"  {sgn.clause_id:16} {sgn.topic}: matched {', '.join(repr(m) for m in sgn.matched)}")
        click.echo(f"  {'':16} {sgn.reason}")


@cli.command("redact")
@click.argument("item_id")
@click.option("--region", "regions", multiple=True, required=True, help="x,y,w,h in pixels (repeatable).")
@click.option("--reason", required=True)
@click.option("--role", help="Which image of the item (default: its screenshot, or the supplied image).")
@pass_ctx
def redact_cmd(c: Ctx, item_id: str, regions: tuple[str, ...], reason: str, role: str | None) -> None:
    """Make a redacted copy of a screenshot for disclosure (the original is never changed)."""
    it = c.ev().redact(item_id, regions=list(regions), reason=reason, role=role)
    art = it.artifact("redacted")
    click.echo(f"Redacted copy {it.id} of item {it.derived_from}: {art['sha256']} ({art['image']['width']}x{art['image']['height']})")


@cli.command("bundle")
@click.option("--case", "case_ref", required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The pack to write (a .zip).")
@click.option("--for", "audience", type=click.Choice(["panel", "respondent"]), default="panel", show_default=True,
              help="Who receives it (recorded in the disclosure log; the pack itself is the same).")
@click.option("--redacted", is_flag=True, help="Show redacted copies where they exist, withholding what they hide.")
@click.option("--no-pdf", is_flag=True, help="Leave out report.pdf.")
@click.option("--policy", type=click.Path(dir_okay=False), help="Catalogue to cite when no allegation names one.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--browser-path", envvar="EVIDENCE_BROWSER")
@pass_ctx
def bundle_cmd(c: Ctx, case_ref, out, audience, redacted, no_pdf, policy, force, browser_path) -> None:
    """Build the panel pack: a ZIP anyone can verify offline."""
    r = c.ev().build_pack(case=case_ref, out=out, audience=audience, redacted=redacted, pdf=not no_pdf,
                     policy=policy, force=force, browser_path=browser_path)
    click.echo(f"Wrote {r['path']}: {r['exhibits']} exhibit(s), {r['allegations']} allegation(s), {r['size']} bytes")
    click.echo(f"SHA-256 {r['sha256']} (recorded in the disclosure log, for the {audience})")


@cli.command("verify-bundle")
@click.argument("pack", type=click.Path(dir_okay=False))
@click.option("--key", help="The signer's key fingerprint as you obtained it separately (recommended).")
@click.option("--json", "as_json", is_flag=True)
def verify_bundle_cmd(pack: str, key: str | None, as_json: bool) -> None:
    """Check a pack offline, without a store: files, signatures, records, custody, timestamps."""
    from evidence.api import verify_pack

    rep = verify_pack(pack, key=key)
    if as_json:
        emit_json(rep.as_dict())
    else:
        click.echo(f"Checked {pack}: {len(rep.files)} files; signed by {rep.signer or 'unknown'}")
        for n in rep.notes:
            click.echo(f"note: {n}")
        if rep.ok:
            if not key:
                click.echo("note: compare the signer's fingerprint with one you obtained separately (or pass --key)")
            click.echo("OK: no problems found.")
        else:
            for p in rep.problems:
                click.echo(f"PROBLEM {p}")
            click.echo(f"FAILED: {len(rep.problems)} problem(s).")
    if not rep.ok:
        raise SystemExit(errors.IntegrityError.exit_code)


# ---------------------------------------------------------------- store settings, timestamps, checkpoints
@cli.group("config")
def config() -> None:
    """Store settings: timestamp authorities (tsa.url, tsa.root, tsa.timeout)."""


@config.command("set")
@click.argument("key")
@click.argument("value")
@pass_ctx
def config_set(c: Ctx, key: str, value: str) -> None:
    """Set KEY to VALUE (tsa.root takes a PEM file; its certificates are stored)."""
    stored = c.ev().set_setting(key, value)
    click.echo(f"{key} = {stored if key != 'tsa.root' else '(' + str(stored.count('BEGIN CERTIFICATE')) + ' certificate(s))'}")


@config.command("unset")
@click.argument("key")
@pass_ctx
def config_unset(c: Ctx, key: str) -> None:
    c.ev().set_setting(key, None)
    click.echo(f"{key} unset")


@config.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def config_list(c: Ctx, as_json: bool) -> None:
    """Every setting of the store."""
    from evidence.api import SETTINGS as CONFIG_KEYS

    settings = c.ev().settings()
    if as_json:
        emit_json(settings)
        return
    for k, desc in CONFIG_KEYS.items():
        v = settings.get(k)
        if k == "tsa.root" and v:
            v = f"({v.count('BEGIN CERTIFICATE')} certificate(s))"
        click.echo(f"{k:12} {v if v is not None else '(not set)'}    # {desc}")


@cli.command("timestamp")
@click.option("--pending", is_flag=True, required=True, help="Retry every token still pending.")
@pass_ctx
def timestamp_cmd(c: Ctx, pending: bool) -> None:
    """Retry trusted timestamps that a timestamp authority did not give before."""
    r = c.ev().retry_timestamps()
    click.echo(f"Retried {r['retried']} pending timestamp(s): {r['granted']} granted, {len(r['pending'])} still pending.")
    for row in r["pending"]:
        click.echo(f"  pending {row['subject']} from {row['tsa_url']}: {row['last_error']}")
    if r["pending"]:
        raise errors.TimestampError(f"{len(r['pending'])} timestamp(s) still pending", hint="try again later")


@cli.group("checkpoint")
def checkpoint() -> None:
    """Signed checkpoints of the custody log (a Merkle tree)."""


@checkpoint.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the signed checkpoint.")
@pass_ctx
def checkpoint_export(c: Ctx, out: str) -> None:
    """Write the latest signed checkpoint to a file to publish or send elsewhere (then `verify --since FILE`)."""
    r = c.ev().export_checkpoint(out)
    click.echo(f"Wrote checkpoint of {r['size']} entries (root {r['root']}) to {out}")


@checkpoint.command("show")
@pass_ctx
def checkpoint_show(c: Ctx) -> None:
    """Print the latest signed checkpoint."""
    note = c.ev().latest_checkpoint()
    if note is None:
        click.echo("No checkpoint yet (the custody log is empty).")
        return
    click.echo(note.decode(), nl=False)


# ---------------------------------------------------------------- verify
@cli.command("verify")
@click.argument("item_id", required=False)
@click.option("--case", "case_ref")
@click.option("--since", "since", type=click.Path(dir_okay=False),
              help="A checkpoint exported earlier: prove the log still extends it.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: when on a terminal).")
@click.option("--no-log", is_flag=True, help="Do not write this run to the custody log.")
@pass_ctx
def verify(c: Ctx, item_id: str | None, case_ref: str | None, since: str | None, as_json: bool,
           progress: bool | None, no_log: bool) -> None:
    """Re-hash every artifact and check every record, signature and custody entry."""
    if item_id and case_ref:
        raise errors.InputError("give an ITEM or --case, not both")
    since_bytes = None
    if since:
        try:
            since_bytes = Path(since).read_bytes()
        except OSError as exc:
            raise errors.InputError(f"cannot read checkpoint {since}: {exc.strerror}") from None
    ev = c.ev()
    show_bar = sys.stderr.isatty() if progress is None else progress
    bar = None

    def on_progress(done: int, total: int) -> None:
        nonlocal bar
        if not show_bar:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Re-hashing artifacts", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    can_log = not no_log and (os.environ.get(PASS_ENV) is not None or sys.stdin.isatty())
    report = ev.verify(case=case_ref, item=item_id, progress=on_progress, log=can_log, since=since_bytes)
    if bar is not None:
        bar.__exit__(None, None, None)
    if as_json:
        emit_json(report.as_dict())
    else:
        cnt = report.counts
        click.echo(f"Verified {report.scope}: {cnt.get('items', 0)} item(s), {cnt.get('artifacts', 0)} artifact(s), "
                   f"{cnt.get('bytes', 0)} bytes, {cnt.get('custody_entries', 0)} custody entries.")
        for n in report.notes:
            click.echo(f"note: {n}")
        if report.ok:
            click.echo("OK: no problems found.")
        else:
            for p in report.problems:
                click.echo(f"PROBLEM {p}", err=False)
            click.echo(f"FAILED: {len(report.problems)} problem(s).")
    if not report.ok:
        raise SystemExit(errors.IntegrityError.exit_code)


# ---------------------------------------------------------------- entry point
def _expand_evidence(argv: list[str]) -> list[str]:
    """``--evidence A B C`` -> ``--evidence A --evidence B --evidence C`` (click options take one value)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        out.append(tok)
        if tok == "--evidence":
            i += 1
            first = True
            while i < len(argv) and not argv[i].startswith("-"):
                if not first:
                    out.append("--evidence")
                out.append(argv[i])
                first = False
                i += 1
            continue
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command line; map every library error to its one-line message and exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "allege" in argv:
        argv = _expand_evidence(argv)
    try:
        cli.main(args=argv, prog_name="evidence", standalone_mode=False)
        return 0
    except errors.EvidenceError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: say so, keep the traceback available
        if os.environ.get("EVIDENCE_DEBUG"):
            raise
        click.secho(f"internal error: {type(exc).__name__}: {exc} (set EVIDENCE_DEBUG=1 for a traceback and report it)",
                    fg="red", err=True)
        return 1


def run() -> None:
    sys.exit(main())

