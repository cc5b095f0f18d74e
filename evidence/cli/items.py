"""Items: ``import``, ``items``, ``show``, ``export``, ``cat``, ``custody``, ``search``, ``timeline``, ``match``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from evidence import errors

from .common import OldNames, Ctx, case_option, cli, emit_json, json_option, pass_ctx, say, short, table, warn


@cli.command("import")
@click.argument("files", nargs=-1, required=True)
@case_option
@click.option("--received-from", required=True, help='Who supplied the files, e.g. "complainant".')
@click.option("--received-at", required=True, help="When they were received (RFC 3339, e.g. 2026-11-20T09:14Z).")
@click.option("--note", help="A note kept in each item's signed record.")
@json_option
@pass_ctx
def import_(c: Ctx, files: tuple[str, ...], case_ref: str, received_from: str, received_at: str,
            note: str | None, as_json: bool) -> None:
    """Take in files someone else supplied (one item per file).

    \b
    Example:
        evidence import shot1.png shot2.png --case SMP-2026-014 --received-from complainant --received-at 2026-11-20T09:14Z
    """
    items = c.ev().import_files(files, case=case_ref, received_from=received_from, received_at=received_at, note=note)
    for it in items:
        if "empty-file" in it.flags:
            warn(f"{it.artifacts[0].get('name')} is empty (0 bytes); taken in and flagged as empty-file")
    if as_json:
        from evidence import outputs

        emit_json([outputs.item(it) for it in items])
        return
    for it in items:
        art = it.artifacts[0]
        say(f"{it.id}  {art['sha256']}  {art['size']:>10}  {art['media_type']:24} {art.get('name', '')}")
    say(f"Imported {len(items)} item(s) into case {items[0].case_ref}.")


@cli.command("items")
@case_option
@json_option
@pass_ctx
def items_cmd(c: Ctx, case_ref: str, as_json: bool) -> None:
    """The items of a case.

    \b
    Example:
        evidence items --case SMP-2026-014
    """
    items = c.ev().items(case_ref)
    if as_json:
        from evidence import outputs

        emit_json([outputs.item(i) for i in items])
        return
    if not items:
        say(f"No items in case {case_ref} yet.")
    table([[i.id, i.kind, i.created_utc, len(i.artifacts), ",".join(i.flags), i.summary()["source"]] for i in items],
          ["ITEM", "KIND", "CREATED", "FILES", "FLAGS", "SOURCE"])


@cli.command("show")
@click.argument("item_id")
@click.option("--json", "as_json", is_flag=True, help="Print the signed record itself, with its hash and signature.")
@pass_ctx
def show(c: Ctx, item_id: str, as_json: bool) -> None:
    """One item: its record, artifacts and hashes (ITEM_ID may be a unique prefix).

    \b
    Example:
        evidence show 01JD3M4Q8Z
    """
    ev = c.ev()
    it = ev.item(item_id)
    if as_json:
        from evidence import outputs

        emit_json(outputs.signed_record(it))
        return
    s = it.summary()
    say(f"Item       {it.id}")
    say(f"Case       {it.case_ref}")
    say(f"Kind       {it.kind}")
    say(f"Source     {s['source']}")
    say(f"Created    {it.record['created']['utc']} (local {it.record['created']['local']})")
    say(f"Signed by  {s['signer']} {it.signer}")
    say(f"Record     {it.record_hash}")
    if it.flags:
        say(f"Flags      {', '.join(it.flags)}")
    if it.record.get("note"):
        say(f"Note       {it.record['note']}")
    post = s.get("post")
    if post:
        say(f"Author     {post.get('author_name')} {post.get('author_handle') or ''}".rstrip())
        say(f"Published  {post.get('published')}")
        say(f"Text       {(post.get('text') or '')[:300]}")
    for t in ev.timestamps(it.id):
        if t["status"] == "granted":
            say(f"Timestamp  {t['gen_time']} by {t['tsa_url']} (serial {t['serial']})")
        else:
            say(f"Timestamp  pending from {t['tsa_url']} ({t['last_error']}); retry: evidence timestamp --pending")
    say("Artifacts")
    for a in it.artifacts:
        extra = f" {a['image']['width']}x{a['image']['height']}" if a.get("image") else ""
        say(f"  {a['role']:20} {a['sha256']}  {a['size']:>10}  {a['media_type']}{extra}")


@cli.command("export")
@click.argument("item_id", required=False)
@click.option("--out", "--to", "out", required=True, type=click.Path(), cls=OldNames,
              help="The folder to copy into (a subfolder per item; nothing is overwritten); with --wacz, the .wacz file.")
@click.option("--role", "roles", multiple=True, help="Only these artifacts, e.g. screenshot (repeatable).")
@click.option("--wacz", is_flag=True, help="Write the captures' web archives as one WACZ file (ReplayWeb.page opens it).")
@click.option("--case", "case_ref", help="With --wacz: every capture of this case (instead of one ITEM_ID).")
@pass_ctx
def export(c: Ctx, item_id: str | None, out: str, roles: tuple[str, ...], wacz: bool, case_ref: str | None) -> None:
    """Copy an item's artifacts and signed record out of the store, or its web archive as a WACZ (logged).

    \b
    Example:
        evidence export 01JD3M4Q8Z --out exported/ --role screenshot
        evidence export --wacz --case SMP-2026-014 --out case.wacz
    """
    if wacz or case_ref:
        from .archive import export_wacz

        return export_wacz(c, item_id, out, case_ref, wacz, roles)
    if item_id is None:
        raise click.UsageError("give the ITEM_ID to export (or --wacz --case REF for a case's WACZ)")
    if Path(out).is_file():
        raise click.BadParameter(f"{out} is a file; give a folder", param_hint="--out")
    for p in c.ev().export(item_id, out, roles=roles or None):
        say(str(p))


@cli.command("cat")
@click.argument("item_id")
@click.option("--role", help="Which artifact, e.g. screenshot (default: the first).")
@pass_ctx
def cat(c: Ctx, item_id: str, role: str | None) -> None:
    """Write one artifact's bytes to standard output (logged as viewed).

    \b
    Example:
        evidence cat 01JD3M4Q8Z --role screenshot > shot.png
    """
    _, data = c.ev().read_artifact(item_id, role)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@cli.command("custody")
@click.argument("item_id", required=False)
@click.option("--case", "case_ref", metavar="REF", help="Only the entries of this case.")
@json_option
@pass_ctx
def custody_cmd(c: Ctx, item_id: str | None, case_ref: str | None, as_json: bool) -> None:
    """The chain of custody of an item, a case, or the whole store.

    \b
    Example:
        evidence custody --case SMP-2026-014
        evidence custody 01JD3M4Q8Z --json
    """
    if item_id and case_ref:
        raise errors.InputError("give an ITEM or --case, not both")
    entries = c.ev().custody(case=case_ref, item=item_id)
    if as_json:
        from evidence import outputs

        emit_json([outputs.custody_entry(e) for e in entries])
        return
    if not entries:
        say("No custody entries.")
    for e in entries:
        subj = e.entry["subject"]
        say(f"{e.seq:>6}  {e.entry['time']['utc']}  {e.action:20} {subj['type']} {subj['id']}  "
            f"by {e.entry['actor']['name']} ({short(e.actor)})")
        d = e.entry["details"]
        for k in ("record_hash", "reason", "to", "sha256", "clause", "summary", "url", "error", "for"):
            if d.get(k):
                say(f"        {k}: {d[k]}")


@cli.command("search")
@click.argument("query")
@click.option("--case", "case_ref", metavar="REF", help="Only this case.")
@click.option("--limit", default=20, show_default=True, type=int, help="At most this many results (1-1000).")
@json_option
@pass_ctx
def search_cmd(c: Ctx, query: str, case_ref: str | None, limit: int, as_json: bool) -> None:
    """Posts, notes and allegation summaries that contain every word of QUERY, best first.

    \b
    Example:
        evidence search "watch your back" --case SMP-2026-014
    """
    rows = c.ev().search(query, case=case_ref, limit=limit)
    if as_json:
        from evidence import outputs

        emit_json(outputs.search(rows))
        return
    if not rows:
        say(f"Nothing matches {query!r}.")
    for r in rows:
        snippet = " ".join(r["snippet"].split())  # one line per result, whatever line breaks OCR text holds
        say(f"{r['kind']:10} {r['ref']}  {r['case_ref']}  {snippet}")


@cli.command("timeline")
@case_option
@json_option
@pass_ctx
def timeline_cmd(c: Ctx, case_ref: str, as_json: bool) -> None:
    """A case's events in order: published, captured, alleged, withdrawn, redacted, approved, disclosed.

    \b
    Example:
        evidence timeline --case SMP-2026-014
    """
    rows = c.ev().timeline(case_ref)
    if as_json:
        from evidence import outputs

        emit_json(outputs.timeline(rows))
        return
    if not rows:
        say(f"No events in case {case_ref} yet.")
    for r in rows:
        when = r["time_utc"] or f"{r['time_local']} (local)"
        say(f"{when:25} {r['event']:22} {r['what']}" + (f"  [{r['item_id']}]" if r["item_id"] else ""))


@cli.command("match")
@click.argument("item_id", metavar="ITEM")
@click.option("--lang", default="eng", show_default=True,
              help="Tesseract language(s) of the screenshot's text, e.g. eng or eng+fra (each must be installed).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 100),
              help="List at most this many captures, best first.")
@json_option
@pass_ctx
def match_cmd(c: Ctx, item_id: str, lang: str, limit: int, as_json: bool) -> None:
    """Which capture of the case shows the same post as a supplied screenshot (OCR text and perceptual hashes).

    The supplied image is read with Tesseract and compared with every web capture of its case; the ranked
    result (scores, method, label) is recorded as a signed custody entry (match.recorded). A label of
    "no match" means no capture of the case shows that post: it may be gone, or not captured yet.

    \b
    Example:
        evidence match 01JD4ZQ8 --json
    """
    res = c.ev().match(item_id, lang=lang, limit=limit)
    if as_json:
        from evidence import outputs

        emit_json(outputs.match(res))
        return
    best = f"capture {res['best']}" if res["best"] else "no capture of the case"
    say(f"{res['item']}: {res['label']}: {best} (compared with {res['captures']} capture(s); "
        f"custody entry {res['logged_as']})")
    for r in res["ranked"]:
        say(f"  {r['id']}  {r['label']:10} score {r['score']:>3}  text {r['text']:>3}  "
            f"visual {r['visual']:>3} (hash distance {r['hash_distance']})  by {r['method']}")
