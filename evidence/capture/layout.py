"""Where the page's text was laid out, kept at capture time (artifact role ``layout``, JSON).

Right after the screenshots, the page is asked (one ``page.evaluate``) for the box of every word of every
visible text node, measured with ``Range.getClientRects`` and moved to full-page coordinates (CSS pixels
plus the scroll offset), and for the box of every image's and input's alternative text. Multiplied by the
device scale factor these are the pixels of the full-page screenshot, so ``evidence redact --term`` can
black out a word wherever the page showed it without guessing by OCR (see :mod:`evidence.redaction`).

The artifact::

    {"schema": "urn:evidence:capture-layout:1", "device_scale_factor": 1, "scroll": {"x": 0, "y": 0},
     "page": {"width": 1280, "height": 2400},
     "words": [{"text": "Smith", "x": 10.0, "y": 20.5, "w": 40.2, "h": 18.0}, ...]}
"""

from __future__ import annotations

import asyncio
import json

__all__ = ["LAYOUT_SCHEMA", "LAYOUT_JS", "MAX_WORDS", "collect_layout", "layout_bytes"]

LAYOUT_SCHEMA = "urn:evidence:capture-layout:1"
MAX_WORDS = 200_000

LAYOUT_JS = r"""
([max, asText]) => {
  const sx = window.scrollX, sy = window.scrollY, words = [];
  const push = (text, r) => {
    if (r.width <= 0 || r.height <= 0 || words.length >= max) return;
    words.push({text, x: r.left + sx, y: r.top + sy, w: r.width, h: r.height});
  };
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node && words.length < max; node = walker.nextNode()) {
    const text = node.nodeValue;
    if (!text || !text.trim()) continue;
    const el = node.parentElement;
    if (el && ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    const re = /\S+/g;
    let m;
    while ((m = re.exec(text)) !== null) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = range.getClientRects();
      for (const r of rects) push(m[0], r);
    }
  }
  for (const el of document.querySelectorAll('img[alt], input[value], textarea')) {
    const text = el.getAttribute('alt') || el.value || '';
    if (text.trim()) push(text, el.getBoundingClientRect());
  }
  const de = document.documentElement;
  const out = {scroll: {x: sx, y: sy}, page: {width: de.scrollWidth, height: de.scrollHeight},
               device_scale_factor: window.devicePixelRatio, words};
  return asText ? JSON.stringify(out) : out;
}
"""


async def collect_layout(page, timeout: float = 10.0) -> dict | None:
    """The page's word boxes (see the module docstring), or None if the page did not answer in ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # First as one JSON string: as a nested value, Playwright checks and converts every word's object one by one,
    # in its driver and again in Python (about 25 ms of a capture's Python time on a post page). A page's own
    # script may have replaced JSON.stringify (old libraries did); then the words are asked for as a value.
    for as_text in (True, False):
        try:
            got = await asyncio.wait_for(page.evaluate(LAYOUT_JS, [MAX_WORDS, as_text]),
                                         timeout=max(0.1, deadline - loop.time()))
        except Exception:  # noqa: BLE001 - a page that cannot be measured is captured without its layout
            return None
        try:
            got = json.loads(got) if as_text else got
            words = [{"text": str(w["text"]), **{k: round(float(w[k]), 2) for k in ("x", "y", "w", "h")}}
                     for w in got.get("words", [])]
            break
        except Exception:  # noqa: BLE001 - not what the script returns: ask again as a value, or give up
            continue
    else:
        return None
    return {"schema": LAYOUT_SCHEMA, "device_scale_factor": got.get("device_scale_factor") or 1,
            "scroll": got.get("scroll"), "page": got.get("page"), "words": words}


def layout_bytes(layout: dict | None) -> bytes | None:
    if layout is None:
        return None
    return json.dumps(layout, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"
