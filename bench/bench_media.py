"""What keeping the post's media adds to a capture: ``keep_media`` on against off, as ratios (a script, not a test).

Everything runs on 127.0.0.1: the loopback site of the media tests (``tests/mediasite.py``) serves the real
Bluesky post page of tests/data with its photo and avatars, and a page with an HLS video (master playlist,
media playlist, three segments). Chromium starts with ``--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE
127.0.0.1``. One warm browser (``SyncCapturer``) and one store; each capture is ``Evidence.capture`` (stored
and signed). After one discarded warm-up each, ``--rounds`` rounds alternate (order rotated each round):
media off, media on, per page. Printed: median and best ms per capture, the ratio on/off per page, and the
media files (and bytes) one capture keeps.

    .venv/bin/python bench/bench_media.py [--rounds N | --quick] [--workdir DIR --keep]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import finish, make_store, make_workdir  # noqa: E402
from evidence.capture.options import CaptureOptions  # noqa: E402
from evidence.capture.page import SyncCapturer  # noqa: E402
from mediasite import POST_PATH, MediaSite  # noqa: E402

CASE = "BENCH-MEDIA"
RULES = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--quick", action="store_true", help="2 rounds (as `make bench` runs it)")
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.rounds = 2
    workdir = make_workdir(args.workdir, "evidence-bench-media-")
    ev = make_store(workdir, case=CASE, title="media bench")
    on = CaptureOptions(browser_args=RULES, timeout=30)
    off = CaptureOptions(browser_args=RULES, timeout=30, keep_media=False)
    times: dict[tuple[str, str], list[float]] = {}
    kept: dict[str, tuple[int, int]] = {}  # page -> (media files kept, bytes) in its last capture with media
    try:
        with MediaSite() as site, SyncCapturer(on) as cap:
            pages = {"bluesky post + photo": site.url(POST_PATH), "HLS video page": site.url("/video")}
            variants = [("off", off), ("on", on)]
            for url in pages.values():  # warm-up, discarded
                for _, opts in variants:
                    ev.capture(url, case=CASE, options=opts, capturer=cap)
            for r in range(args.rounds):
                order = variants if r % 2 == 0 else variants[::-1]
                for name, url in pages.items():
                    for label, opts in order:
                        t0 = time.perf_counter()
                        item = ev.capture(url, case=CASE, options=opts, capturer=cap)
                        times.setdefault((name, label), []).append((time.perf_counter() - t0) * 1000)
                        if label == "on":
                            media = [a for a in item.artifacts if a["role"].startswith("media-")]
                            assert media, "no media kept"
                            kept[name] = (len(media), sum(a["size"] for a in media))
        print(f"{'page':24} {'media off ms (med/best)':>24} {'media on ms (med/best)':>24} {'ratio on/off':>13}"
              f"  media files kept")
        for name in pages:
            a, b = times[(name, "off")], times[(name, "on")]
            print(f"{name:24} {statistics.median(a):>14.0f} / {min(a):<7.0f} {statistics.median(b):>14.0f} / "
                  f"{min(b):<7.0f} {statistics.median(b) / statistics.median(a):>12.2f}x  "
                  f"{kept[name][0]} ({kept[name][1] / 1e6:.2f} MB)")
    finally:
        ev.close()
        finish(workdir, args.keep)


if __name__ == "__main__":
    main()
