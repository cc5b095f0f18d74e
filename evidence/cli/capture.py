"""Capturing: ``capture``, ``session record``, ``doctor``, ``demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from evidence import errors

from .common import OldNames, Ctx, api, case_option, cli, emit_json, json_option, pass_ctx, say, warn


def capture_options(viewport, device_scale, wait_until, wait_for, timeout, scroll, user_agent, locale, timezone,
                    session, session_label, ignore_https_errors, max_height, browser_path, browser_args,
                    media_limit=200, no_media=False):
    a = api()
    return a.CaptureOptions(viewport=a.parse_viewport(viewport), device_scale_factor=device_scale,
                            wait_until=wait_until, wait_for=wait_for, timeout=timeout, scroll=scroll,
                            user_agent=user_agent, locale=locale, timezone=timezone, session=session,
                            session_label=session_label, ignore_https_errors=ignore_https_errors,
                            max_height=max_height, browser_path=browser_path, browser_args=tuple(browser_args),
                            media_limit_mb=media_limit, keep_media=not no_media)


BROWSER_PATH_HELP = "Chromium/Chrome executable to use (default: EVIDENCE_BROWSER, then the one installed)."


def browser_options(f):
    for opt in reversed([
        click.option("--viewport", default="1280x800", show_default=True, help="Browser window size WIDTHxHEIGHT."),
        click.option("--device-scale", default=1, show_default=True, type=int, help="Device pixel ratio (1-4)."),
        click.option("--wait-until", default="load", show_default=True,
                     type=click.Choice(["load", "domcontentloaded", "networkidle", "commit"]),
                     help="Which page event counts as loaded before capturing."),
        click.option("--wait-for", help="A CSS selector to wait for before capturing."),
        click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds to let the page load."),
        click.option("--scroll", is_flag=True, help="Scroll down first to load lazy content."),
        click.option("--user-agent", help="Override the browser's user agent (recorded)."),
        click.option("--locale", default="en-GB", show_default=True, help="The browser's language and region (recorded)."),
        click.option("--timezone", help="IANA time zone for the page (default: this machine's)."),
        click.option("--session", type=click.Path(dir_okay=False),
                     help="A logged-in browser state (from `evidence session record`); recorded by its SHA-256."),
        click.option("--session-label", help='Whose view it is, e.g. "investigations account".'),
        click.option("--ignore-https-errors", is_flag=True, help="Capture despite TLS errors (recorded)."),
        click.option("--max-height", default=20000, show_default=True, type=int, help="Cap of the full-page screenshot, px."),
        click.option("--browser-path", envvar="EVIDENCE_BROWSER", help=BROWSER_PATH_HELP),
        click.option("--browser-arg", "browser_args", multiple=True, help="Extra Chromium flag (repeatable, recorded)."),
        click.option("--media-limit", default=200, show_default=True, type=int,
                     help="Most MB of the post's media (images, videos, HLS/DASH segments) kept per capture."),
        click.option("--no-media", is_flag=True, help="Do not fetch and keep the post's media files (recorded)."),
    ]):
        f = opt(f)
    return f


def print_capture(it) -> None:
    post = it.post()
    say(f"Captured {it.id}  {it.record['source'].get('final_url') or it.record['source']['url']}")
    say(f"  HTTP status  {it.record['source'].get('http_status')}")
    if post.get("platform"):
        say(f"  Platform     {post['platform']}")
    say(f"  Author       {post.get('author_name') or '(not found)'} {post.get('author_handle') or ''}".rstrip())
    say(f"  Published    {post.get('published') or '(not found)'}")
    text = (post.get("text") or "(not found)").replace("\n", " ")
    say(f"  Text         {text[:200]}{'...' if len(text) > 200 else ''}")
    for a in it.artifacts:
        say(f"  {a['role']:20} {a['sha256']}  {a['size']:>9}  {a['media_type']}")
    cond = (it.record.get("metadata") or {}).get("conditions")
    if cond:
        say(f"  Conditions   {'headless' if cond['headless'] else 'visible'}; "
            f"{'logged in as ' + repr(cond['session_label']) if cond['logged_in'] else 'not logged in'}; "
            f"{cond['failed_requests']} failed/blocked request(s); clock skew {cond['clock_skew_seconds']} s, "
            f"synchronised: {cond['clock_sync']}")
    if it.flags:
        say(f"  Flags        {', '.join(it.flags)}")


def _capture_warnings(it) -> list[str]:
    return list((it.record.get("metadata") or {}).get("warnings") or [])


def _read_urls(from_file: str) -> list[str]:
    try:
        lines = Path(from_file).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise errors.InputError(f"no such file: {from_file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.InputError(f"cannot read {from_file}: {exc}") from None
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


@cli.command("capture")
@click.argument("url", required=False)
@case_option
@click.option("--from-file", "from_file", type=click.Path(dir_okay=False), help="Capture every URL in this file (one per line).")
@click.option("--concurrency", default=2, show_default=True, type=int, help="Pages at a time, with --from-file.")
@click.option("--note", help="A note kept in the signed record.")
@json_option
@browser_options
@pass_ctx
def capture_cmd(c: Ctx, url, case_ref, from_file, concurrency, note, as_json, **bopts) -> None:
    """Capture a reported post from its URL (or every URL in --from-file).

    \b
    Example:
        evidence capture https://example.org/post/1 --case SMP-2026-014
        evidence capture --from-file urls.txt --case SMP-2026-014 --concurrency 3
    """
    if (url is None) == (from_file is None):
        raise errors.InputError("give a URL or --from-file FILE (one of them)")
    options = capture_options(**bopts)
    ev = c.ev()
    if url is not None:
        it = ev.capture(url, case=case_ref, options=options, note=note)
        for w in _capture_warnings(it):
            warn(w)
        if as_json:
            from evidence import outputs

            emit_json(outputs.item(it))
        else:
            print_capture(it)
        return
    urls = _read_urls(from_file)
    bar = click.progressbar(length=len(urls), label="Capturing", file=sys.stderr) if sys.stderr.isatty() and urls else None
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
    _print_batch(results, case_ref, as_json)


def _print_batch(results, case_ref: str, as_json: bool) -> None:
    failed = [r for r in results if not r.ok]
    for r in results:
        for w in (r.warnings if r.ok else []):
            warn(f"{r.url}: {w}")
    if as_json:
        from evidence import outputs

        emit_json(outputs.capture_batch(results))
    else:
        for r in results:
            if r.ok:
                say(f"{r.item.id}  {r.url}  {r.item.post().get('author_name') or ''}")
        for r in failed:
            say(f"FAILED {r.url}: {r.error}")
        say(f"Captured {len(results) - len(failed)} of {len(results)} URL(s) into case {case_ref}; {len(failed)} failed.")
    if failed:
        raise errors.BatchFailed(f"{len(failed)} of {len(results)} captures failed (listed above; each is in the custody log)")


@cli.group()
def session() -> None:
    """Logged-in browser sessions for capturing what only a logged-in user sees.

    \b
    Example:
        evidence session record https://social.example/login --out investigator.session
    """


@session.command("record")
@click.argument("url")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to save the session (keep it private).")
@click.option("--browser-path", envvar="EVIDENCE_BROWSER", help=BROWSER_PATH_HELP)
@click.option("--wait", "wait_seconds", type=float, help="Save after this many seconds instead of waiting for Enter.")
def session_record(url: str, out: str, browser_path: str | None, wait_seconds: float | None) -> None:
    """Open a visible browser at URL; log in; press Enter here to save the session (needs a display).

    \b
    Example:
        evidence session record https://social.example/login --out investigator.session
        evidence capture https://social.example/p/1 --case SMP-2026-014 --session investigator.session
    """

    def wait() -> None:
        if wait_seconds is not None:
            import time

            time.sleep(wait_seconds)
        else:
            click.echo("Log in in the browser window, then press Enter here to save the session.", err=True)
            sys.stdin.readline()

    info = api().record_session(url, out, wait=wait, browser_path=browser_path)
    say(f"Saved session to {out} (mode 0600; it holds login cookies: keep it private). "
        f"SHA-256 {info['sha256']}; cookies for {', '.join(info['cookie_domains']) or 'no domain'}.")


@cli.command("doctor")
@click.option("--browser-path", envvar="EVIDENCE_BROWSER", help=BROWSER_PATH_HELP)
@json_option
@pass_ctx
def doctor(c: Ctx, browser_path: str | None, as_json: bool) -> None:
    """Say which browser captures will use, and whether the store and your key are in order.

    \b
    Example:
        evidence doctor
    """
    report = api().doctor(store=c.store, key_file=c.key_file, browser_path=browser_path)
    if as_json:
        emit_json(report)
    else:
        for check in report["checks"]:
            mark = "ok  " if check["ok"] else "FAIL" if check.get("required", True) else "warn"
            say(f"[{mark}] {check['name']:8} {check['detail']}")
            if not check["ok"] and check.get("fix"):
                say(f"         fix: {check['fix']}")
    if not report["ok"]:
        raise click.exceptions.Exit(1)


@cli.command("demo")
@click.option("--out", "--dir", "workdir", default="demo-output", show_default=True, type=click.Path(file_okay=False), cls=OldNames,
              help="Folder for the demo's store, key and pack (replaced if it holds an earlier demo).")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF report (faster).")
def demo(workdir: str, no_pdf: bool) -> None:
    """Run a whole investigation on the built-in fictional posts, offline, in its own folder.

    \b
    Example:
        evidence demo --out demo-output
    """
    result = api().run_demo(workdir, echo=click.echo, with_pdf=not no_pdf)
    say("")
    say(f"Done. Look around with: evidence case show {result['case']} --store {result['store']}")
    say(f"Act as the demo investigator with: EVIDENCE_KEY={result['key_file']} "
        f"EVIDENCE_PASSPHRASE='{result['passphrase']}'")
    if result.get("pack"):
        say(f"Read the report: unzip -d pack {result['pack']}, then open pack/index.html in a browser; "
            f"check it: evidence verify-bundle {result['pack']} --key {result['key']}")
