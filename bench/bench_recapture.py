"""What a recapture costs beyond a capture: capture a demo post with real Chromium from a loopback server,
then recapture it (capture + compare + difference image + signed entries), several times, in one run.

    .venv/bin/python bench/bench_recapture.py [--rounds 3]

Prints the median seconds of each and the ratio recapture / capture (the baseline is the capture of the
same page in the same run), and the median time of an OCR text layer of that capture's screenshot.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from evidence import Evidence  # noqa: E402
from evidence.capture.options import CaptureOptions  # noqa: E402
from evidence.capture.page import SyncCapturer  # noqa: E402
from evidence.keys import create_key  # noqa: E402

SITE = ROOT / "evidence" / "data" / "demo" / "site"
OPTS = CaptureOptions(browser_args=("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",), timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/post-1.html"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EVIDENCE_CONFIG_DIR"] = str(Path(tmp) / "config")
        signer = create_key("Bench", "bench@example.invalid", "investigator", b"bench passphrase",
                            key_file=Path(tmp) / "k.key", make_default=False)
        ev = Evidence(Evidence.init(Path(tmp) / "store").store, signer=signer)
        ev.register_key(signer)
        ev.open_case("BENCH-1", title="bench")
        cap = SyncCapturer(OPTS.check())
        cap.start()
        try:
            caps, recaps, ocrs = [], [], []
            for _ in range(args.rounds):
                t = time.perf_counter()
                item = ev.capture(url, case="BENCH-1", options=OPTS, capturer=cap, note="recapture of bench")
                caps.append(time.perf_counter() - t)
                t = time.perf_counter()
                from evidence.recapture import compare_items

                later = ev.capture(url, case="BENCH-1", options=OPTS, capturer=cap, note="recapture of bench")
                compare_items(ev, item, later)
                recaps.append(time.perf_counter() - t)
                t = time.perf_counter()
                ev.ocr(item.id)
                ocrs.append(time.perf_counter() - t)
        finally:
            cap.close()
            server.shutdown()
    c, r, o = statistics.median(caps), statistics.median(recaps), statistics.median(ocrs)
    print(f"capture  {c:.2f} s (median of {args.rounds})")
    print(f"recapture {r:.2f} s  ratio to capture {r / c:.2f}")
    print(f"OCR layer of the full screenshot {o:.2f} s  ratio to capture {o / c:.2f}")


if __name__ == "__main__":
    main()
