"""Commands of the recapture group: ``recapture`` (again and compare, a schedule, what is due) and ``ocr``."""

from __future__ import annotations

import click

from evidence import errors

from .capture import browser_options, capture_options
from .common import Ctx, cli, emit_json, json_option, pass_ctx, say, warn


def _print_comparison(r: dict) -> None:
    if r.get("later") is None:
        warn(f"{r['earlier']}  {r['url']}: recapture failed: {'; '.join(r['reasons'])}")
        return
    say(f"{r['earlier']} -> {r['later']}  {r['verdict']}: {'; '.join(r['reasons'])}  ({r['url']})")
    say(f"  hash distance {r['hash_distance']}, {r['changed_pixels']} pixels changed, difference image "
        f"{r['difference']['item']}; custody entry {r['logged_as']}")
    for line in r["text_diff"][2:22]:
        say(f"    {line}")


@cli.command("recapture")
@click.argument("item_id", metavar="ITEM", required=False)
@click.option("--case", "case_ref", metavar="REF", help="Recapture every URL captured in this case (its latest capture).")
@click.option("--every", metavar="INTERVAL",
              help="With --case: remember (signed) how often the case is due, e.g. 6h, 1d; 'off' stops it.")
@click.option("--due", is_flag=True, help="Recapture what is due in every case with a schedule (for cron/timers).")
@json_option
@browser_options
@pass_ctx
def recapture_cmd(c: Ctx, item_id, case_ref, every, due, as_json, **bopts) -> None:
    """Capture a post again and record, signed, whether it is still there, edited, gone or its media changed.

    The new capture is a new item; the comparison (text difference, perceptual-hash distance and a
    difference image kept as a derived item) is a signed custody entry (recapture.compared).
    `--case REF --every 6h` sets a schedule; `--due` recaptures only what is due and may be run as
    often as you like (docs/recapture.md has a crontab line and a systemd timer).

    \b
    Example:
        evidence recapture 01JD4ZQ8
        evidence recapture --case SMP-2026-014
        evidence recapture --case SMP-2026-014 --every 6h
        evidence recapture --due
    """
    given = [x for x in (item_id, due) if x]
    if len(given) + (case_ref is not None) != 1:
        raise errors.InputError("give one of ITEM, --case REF or --due", hint="e.g. evidence recapture --due")
    if every and not case_ref:
        raise errors.InputError("--every needs --case REF", hint="e.g. evidence recapture --case SMP-2026-014 --every 6h")
    ev = c.ev()
    if every:
        res = ev.schedule_recapture(case_ref, every)
        if as_json:
            from evidence import outputs

            emit_json(outputs.recapture_schedule(res))
        else:
            say(f"Case {res['case']}: recapture every {res['every']} (custody entry {res['logged_as']}); "
                "run `evidence recapture --due` from cron or a systemd timer")
        return
    options = capture_options(**bopts)
    if item_id:
        results = [ev.recapture(item_id, options=options)]
    elif case_ref:
        results = ev.recapture_case(case_ref, options=options)
    else:
        res = ev.recapture_due(options=options)
        if res["busy"]:
            warn("another `evidence recapture --due` is running on this store; nothing done")
        results = [r for rs in res["cases"].values() for r in rs]
    if as_json:
        from evidence import outputs

        emit_json(outputs.recaptures(results))
        return
    if not results:
        say("Nothing to recapture.")
    for r in results:
        _print_comparison(r)


@cli.command("ocr")
@click.argument("item_id", metavar="ITEM", required=False)
@click.option("--case", "case_ref", metavar="REF", help="Every imported image and capture screenshot of this case.")
@click.option("--lang", default="eng", show_default=True, help="Tesseract language(s), e.g. eng or eng+fra.")
@click.option("--words", is_flag=True, help="Print every word with its box (x,y,w,h in image pixels).")
@json_option
@pass_ctx
def ocr_cmd(c: Ctx, item_id, case_ref, lang, words, as_json) -> None:
    """Read the text of a screenshot (OCR) and keep it as a derived text layer, never changing the image.

    The layer (Tesseract's engine and version, the language, the text, each word with its box in pixels
    of the image) is a new item of kind `analysis` with its own hash and signed record; its text is
    searchable (`evidence search`) and read by `evidence suggest`. Running it again reuses the layer.

    \b
    Example:
        evidence ocr 01JD4ZQ8
        evidence ocr --case SMP-2026-014 --json
    """
    if (item_id is None) == (case_ref is None):
        raise errors.InputError("give ITEM or --case REF (one of them)", hint="e.g. evidence ocr --case SMP-2026-014")
    ev = c.ev()
    results = [ev.ocr(item_id, lang=lang)] if item_id else ev.ocr_case(case_ref, lang=lang)
    if as_json:
        from evidence import outputs

        emit_json(outputs.ocr_layers(results))
        return
    for r in results:
        state = "made" if r["new"] else "already made"
        say(f"{r['item']}  {r['role']}: {r['word_count']} words (mean confidence {r['mean_confidence']}), "
            f"layer {r['layer_item']} {state}")
        text = r["text"].replace("\n", " ")
        say(f"  {text[:200]}{'...' if len(text) > 200 else ''}")
        if words:
            layer = ev.ocr_layer(r["item"]) or {}
            for w in layer.get("words", []):
                say(f"    {w['x']},{w['y']},{w['w']},{w['h']}  {w['conf']:>3}  {w['text']}")
