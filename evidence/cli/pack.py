"""Packs: ``bundle`` (build) and ``verify-bundle`` (check offline)."""

from __future__ import annotations

import click

from evidence import errors

from .common import Ctx, api, case_option, cli, emit_json, json_option, pass_ctx, say
from .policy import POLICY_HELP


@cli.command("bundle")
@case_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The pack to write (a .zip).")
@click.option("--for", "audience", type=click.Choice(["panel", "respondent", "auditor", "other"]), default="panel",
              show_default=True, help="Who receives it (named in the pack and recorded in the disclosure log).")
@click.option("--recipient", help='The person or body it goes to, e.g. "Panel secretary, Conduct Office".')
@click.option("--require-approval", is_flag=True,
              help="Refuse unless a supervisor's approval (evidence approve) covers the case as it is now.")
@click.option("--redacted", is_flag=True, help="Show redacted copies where they exist, withholding what they hide.")
@click.option("--no-pdf", is_flag=True, help="Leave out report.pdf.")
@click.option("--policy", type=click.Path(dir_okay=False), help="Catalogue to cite when no allegation names one.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--browser-path", envvar="EVIDENCE_BROWSER", help="Chromium/Chrome used to print the PDF report.")
@click.option("--with-wacz", is_flag=True, help="Also put the exhibits' web archives in the pack as one WACZ file.")
@json_option
@pass_ctx
def bundle_cmd(c: Ctx, case_ref, out, audience, recipient, require_approval, redacted, no_pdf, policy, force,
               browser_path, with_wacz, as_json) -> None:
    """Build the panel pack: a ZIP anyone can verify offline.

    \b
    Example:
        evidence bundle --case SMP-2026-014 --out SMP-2026-014.zip --for panel --recipient "Panel secretary"
        evidence bundle --case SMP-2026-014 --out SMP-2026-014.zip --with-wacz
    """
    r = c.ev().build_pack(case=case_ref, out=out, audience=audience, redacted=redacted, pdf=not no_pdf,
                          policy=policy, force=force, browser_path=browser_path, with_wacz=with_wacz,
                          recipient=recipient, require_approval=require_approval)
    if as_json:
        from evidence import outputs

        emit_json(outputs.pack(r, audience))
        return
    say(f"Wrote {r['path']}: {r['exhibits']} exhibit(s), {r['allegations']} allegation(s), {r['size']} bytes")
    to = f"{recipient} ({audience})" if recipient else f"the {audience}"
    say(f"SHA-256 {r['sha256']} (recorded in the disclosure log, for {to})")
    if r.get("approval"):
        say(r["approval"])


@cli.command("verify-bundle")
@click.argument("pack", type=click.Path(dir_okay=False))
@click.option("--key", help="The signer's key fingerprint as you obtained it separately (recommended).")
@click.option("--trust", type=click.Path(dir_okay=False),
              help="A file of key fingerprints you trust (one per line); entries by other keys are reported.")
@json_option
def verify_bundle_cmd(pack: str, key: str | None, trust: str | None, as_json: bool) -> None:
    """Check a pack offline, without a store: files, signatures, records, custody, timestamps.

    \b
    Example:
        evidence verify-bundle SMP-2026-014.zip --key 3f2a9c01d4e5b6a7
        evidence verify-bundle SMP-2026-014.zip --trust panel-keys.txt
    """
    rep = api().verify_pack(pack, key=key, trust=trust)
    if as_json:
        emit_json(rep.as_dict())
    else:
        say(f"Checked {pack}: {len(rep.files)} files; signed by {rep.signer or 'unknown'}")
        for n in rep.notes:
            say(f"note: {n}")
        if rep.ok:
            if not key and not trust:
                say("note: compare the signer's fingerprint with one you obtained separately (or pass --key)")
            say("OK: no problems found.")
        else:
            for p in rep.problems:
                say(f"PROBLEM {p}")
            say(f"FAILED: {len(rep.problems)} problem(s).")
    if not rep.ok:
        raise click.exceptions.Exit(errors.IntegrityError.exit_code)
