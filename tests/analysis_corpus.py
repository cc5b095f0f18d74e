"""A corpus for the analysis tests and figures: real post pages rendered by real Chromium, and
"complainant screenshots" derived from them the way people make them.

Pages: the saved real pages of tests/data/fixtures (social-pages, platform-pages) and the demo posts,
loaded from file:// with every other request refused (nothing leaves the machine). Each page gives
a *capture* (its viewport screenshot, its full-page screenshot, and the post text that
:func:`evidence.extract.extract_page` finds in the HTML). Each capture gives derived screenshots:

* ``crop-jpeg``: cropped, scaled 0.7, JPEG quality 60 (as the issue asks);
* ``phone``: a narrower crop scaled to a phone's width, a phone status bar drawn on top, JPEG 75;
* ``border``: a dark border round it, scaled 0.8, PNG;
* ``top``: the upper part only (just the post's head and first lines), scaled 0.9, JPEG 70.

Screenshots are made of the ``SHOWN`` pages only (the others show nothing of their post without their
scripts and servers; they stay as candidates a match must not pick).

``HELD_OUT`` pages are rendered but are not candidates: their derived screenshots stand for posts that
were never captured and must get "no match".
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "data" / "fixtures"
DEMO = ROOT / "evidence" / "data" / "demo" / "site"

# file -> the URL it was saved from (extraction reads the platform from it)
PAGES = {
    "x-trump": (FIX / "social-pages/x/post.html", "https://x.com/realDonaldTrump/status/1222907250383245320"),
    "x-uasmart": (FIX / "social-pages/x/post-image-og.html", "https://x.com/UaSmart/status/934106870834454529"),
    "bsky-king": (FIX / "social-pages/bluesky/post.html", "https://bsky.app/profile/stephenking.bsky.social/post/3mddvy5bv6k27"),
    "bsky-forbes": (FIX / "social-pages/bluesky/post-link.html", "https://bsky.app/profile/forbes.com/post/3mdd7aj7pgs2x"),
    "bsky-dunlap": (FIX / "social-pages/bluesky/post-image.html", "https://bsky.app/profile/glendunlap.bsky.social/post/3mdegyw3ves2t"),
    "reddit-lotus": (FIX / "social-pages/reddit/post.html", "https://www.reddit.com/r/lotus/comments/1pzbv0z/my_lotus_elise_72d_with_17_rays_volk_gtp/"),
    "telegram-chollo": (FIX / "social-pages/telegram/post-full-image.html", "https://t.me/chollometro/28542"),
    "telegram-tesla": (FIX / "social-pages/telegram/post-link-image.html", "https://t.me/teslahunt/15513"),
    "tw-legacy-lina": (FIX / "platform-pages/twitter/postlight-745276948213968896.html", "https://twitter.com/KingBeyonceStan/status/745276948213968896"),
    "tw-legacy-vyki": (FIX / "platform-pages/twitter/onebox-363116819147538433.html", "https://twitter.com/vyki_e/status/363116819147538433"),
    "tw-metallica": (FIX / "platform-pages/twitter/onebox-quoted-1128068672289890305.html", "https://twitter.com/Metallica/status/1128068672289890305"),
    "fb-group": (FIX / "platform-pages/facebook/fbscraper-group-1629606003787605.html", "https://m.facebook.com/groups/southamericansincomputing/permalink/1629606003787605/"),
    "fb-nintendo": (FIX / "platform-pages/facebook/fbscraper-nintendo-3065154550235644.html", "https://m.facebook.com/story.php?story_fbid=3065154550235644&id=119240841493711"),
    "demo-post-1": (DEMO / "post-1.html", "https://chirp.example/jdoe_phys/status/1859912345678901234"),
    "demo-post-2": (DEMO / "post-2.html", "https://chirp.example/jdoe_phys/status/1860105550000000001"),
    "demo-thread": (DEMO / "thread.html", "https://forum.example/r/leedsphysics/comments/9xk2/fake_results_in_the_smith_lab/"),
}
# pages whose window shows the post's text once scrolled to it (the others render as empty shells
# without their scripts and servers: they stay as candidates, distractors a match must not pick)
SHOWN = ("x-trump", "tw-legacy-lina", "tw-legacy-vyki", "tw-metallica", "fb-group", "fb-nintendo", "demo-post-1",
         "demo-post-2", "demo-thread")
HELD_OUT = ("tw-legacy-vyki", "fb-nintendo", "demo-post-2")
VARIANTS = ("crop-jpeg", "phone", "border", "top")
VIEWPORT = (1280, 800)


@dataclass
class Capture:
    name: str
    url: str
    viewport: Path
    full: Path
    text: str
    held_out: bool = False


@dataclass
class Derived:
    name: str  # capture name + variant
    source: str  # the capture it was made from
    variant: str
    path: Path
    held_out: bool = False


@dataclass
class Corpus:
    captures: list[Capture] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)

    def candidates(self) -> list[Capture]:
        return [c for c in self.captures if not c.held_out]


def render(pages: dict, out: Path) -> list[Capture]:
    """Screenshots of each page by real Chromium (viewport and full page, capped at 6000 px)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from evidence.capture.browser import find_browser
    from evidence.extract import extract_page

    info = find_browser()
    out.mkdir(parents=True, exist_ok=True)
    caps = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=info.path,
                                     args=["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"])
        ctx = browser.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]}, locale="en-GB")
        ctx.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page = ctx.new_page()
        for name, (path, url) in pages.items():
            try:
                page.goto(path.as_uri(), wait_until="domcontentloaded", timeout=30_000)
                page.wait_for_load_state("load", timeout=5_000)
            except PlaywrightTimeout:
                pass  # a page whose load event never comes is shown as it stands
            post = extract_page(path.read_bytes(), url).get("post") or {}
            _scroll_to_post(page, post.get("text") or "")
            vp, full = out / f"{name}.png", out / f"{name}-full.png"
            page.screenshot(path=str(vp))
            height = min(6000, page.evaluate("document.documentElement.scrollHeight"))
            page.screenshot(path=str(full), clip={"x": 0, "y": 0, "width": VIEWPORT[0], "height": max(height, VIEWPORT[1])},
                            full_page=True)
            caps.append(Capture(name, url, vp, full, post.get("text") or "", name in HELD_OUT))
        browser.close()
    return caps


def _scroll_to_post(page, text: str) -> None:
    """Scroll as a person would until the post's first words are near the top of the window."""
    words = " ".join(text.split()[:4])
    if not words:
        return
    try:
        loc = page.get_by_text(words, exact=False).first
        box = loc.bounding_box(timeout=2_000)
    except Exception:  # noqa: BLE001 - not shown as text: the screenshot is taken from the top
        return
    if box and box["y"] > VIEWPORT[1] * 0.6:
        page.evaluate("y => window.scrollTo(0, y)", max(0, box["y"] - 160))
        page.wait_for_timeout(200)


def status_bar(width: int, dark: bool = False) -> Image.Image:
    """A phone status bar: the time on the left, signal bars and a battery on the right."""
    h = max(24, width // 16)
    bg, fg = ((0, 0, 0), (255, 255, 255)) if dark else ((248, 248, 248), (0, 0, 0))
    bar = Image.new("RGB", (width, h), bg)
    d = ImageDraw.Draw(bar)
    d.text((h // 2, h // 4), "9:41", fill=fg, font_size=int(h * 0.55))
    x = width - h * 3
    for i in range(4):
        d.rectangle([x + i * h // 5, h * 3 // 4 - i * h // 8 - 3, x + i * h // 5 + h // 8, h * 3 // 4], fill=fg)
    d.rectangle([width - h * 1.6, h // 4, width - h // 2, h * 3 // 4], outline=fg, width=2)
    d.rectangle([width - h * 1.5, h // 4 + 3, width - h * 0.9, h * 3 // 4 - 3], fill=fg)
    return bar


def _save(im: Image.Image, path: Path, fmt: str, **kw) -> Path:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    path.write_bytes(buf.getvalue())
    return path


def derive(cap: Capture, variant: str, out: Path) -> Derived:
    """One complainant screenshot made from a capture's viewport screenshot."""
    with Image.open(cap.viewport) as src:
        im = src.convert("RGB")
    w, h = im.size
    stem = out / f"{cap.name}--{variant}"
    if variant == "crop-jpeg":
        c = im.crop((int(w * 0.06), int(h * 0.04), int(w * 0.94), int(h * 0.9)))
        c = c.resize((int(c.width * 0.7), int(c.height * 0.7)), Image.Resampling.LANCZOS)
        path = _save(c, stem.with_suffix(".jpg"), "JPEG", quality=60)
    elif variant == "phone":
        c = im.crop((int(w * 0.1), 0, int(w * 0.75), h))
        c = c.resize((750, int(c.height * 750 / c.width)), Image.Resampling.LANCZOS)
        bar = status_bar(c.width, dark=cap.name.endswith(("1", "a")))
        framed = Image.new("RGB", (c.width, c.height + bar.height))
        framed.paste(bar, (0, 0))
        framed.paste(c, (0, bar.height))
        path = _save(framed, stem.with_suffix(".jpg"), "JPEG", quality=75)
    elif variant == "border":
        c = im.resize((int(w * 0.8), int(h * 0.8)), Image.Resampling.LANCZOS)
        framed = Image.new("RGB", (c.width + 80, c.height + 80), (24, 24, 28))
        framed.paste(c, (40, 40))
        path = _save(framed, stem.with_suffix(".png"), "PNG")
    elif variant == "top":
        c = im.crop((0, 0, w, int(h * 0.6)))
        c = c.resize((int(c.width * 0.9), int(c.height * 0.9)), Image.Resampling.LANCZOS)
        path = _save(c, stem.with_suffix(".jpg"), "JPEG", quality=70)
    else:
        raise ValueError(variant)
    return Derived(f"{cap.name}--{variant}", cap.name, variant, path, cap.held_out)


def build_corpus(out: Path, pages: dict | None = None, variants=VARIANTS) -> Corpus:
    out = Path(out)
    caps = render(pages or PAGES, out / "captures")
    (out / "derived").mkdir(parents=True, exist_ok=True)
    corpus = Corpus(captures=caps)
    for cap in caps:
        if cap.name not in SHOWN:
            continue
        for v in variants:
            corpus.derived.append(derive(cap, v, out / "derived"))
    (out / "corpus.json").write_text(json.dumps({"captures": [c.name for c in caps], "held_out": list(HELD_OUT),
                                                 "derived": [d.name for d in corpus.derived]}, indent=1))
    return corpus


if __name__ == "__main__":  # python tests/analysis_corpus.py OUT: build it to look at
    import sys

    c = build_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "analysis-corpus"))
    for cap in c.captures:
        print(cap.name, "held out" if cap.held_out else "", repr(cap.text[:70]))
