"""Step 7: index.html runs no script, links only inside the pack, names the manifest's exhibits."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit
import posixpath
import re
from .context import INDEX, _one_line


class ReportChecks:
    """Step 7 (a part of the pack checker; state lives in CheckerBase)."""

    # -- 7. the report ---------------------------------------------------------------------------------

    def check_index(self) -> None:
        f = self.need(INDEX, "the report")
        if f is None:
            return
        data = self.data(f)
        if data is None:
            return
        text = data.decode("utf-8", "replace")
        parser = _ReportParser()
        try:
            parser.feed(text)
            parser.close()
        except Exception as exc:  # noqa: BLE001 - html.parser on hostile input
            self.add(INDEX, f"cannot be parsed as HTML ({_one_line(exc, 100)})", "report-bad")
            return
        if parser.scripts or re.search(r"<\s*script[\s/>]", text, re.IGNORECASE):
            self.add(INDEX, "contains a <script> element: the report must not run script", "report-script")
        for what in sorted(set(parser.script_attrs)):
            self.add(INDEX, f"runs script through {what}: the report must not run script", "report-script")
        if not parser.csp:
            self.add(INDEX, "has no Content-Security-Policy meta tag", "report-csp")
        elif not any(_csp_blocks_scripts(c) for c in parser.csp):
            self.add(INDEX, f"its Content-Security-Policy allows scripts ({_one_line(parser.csp[0], 120)!r}); want "
                     "script-src 'none' or default-src 'none'", "report-csp")
        if parser.base:
            self.add(INDEX, "has a <base> element, which would point its links outside the pack", "report-base")
        named: set[str] = set(parser.exhibit_ids)
        linked_files: list[str] = []
        for url in parser.links:
            self.r.count("links")
            target, external = _resolve(url)
            if external:
                continue
            if target is None:
                self.add(INDEX, f"links to {_one_line(url, 120)!r}, which points outside the pack", "link-missing")
                continue
            mm = re.match(r"exhibits/(E[1-9][0-9]*)/", target)
            if mm:
                named.add(mm.group(1))
            linked_files.append(target)
            if target.endswith("/"):
                if not any(p.startswith(target) for p in self.files):
                    self.add(INDEX, f"links to the folder {target}, which holds no file of the pack", "link-missing")
            elif target not in self.files:
                self.add(INDEX, f"links to {target}, which is not in the pack", "link-missing")
        for eid in sorted(named, key=lambda e: int(e[1:])):
            if self.manifest is not None and eid not in self.exhibits:
                self.add(INDEX, f"names exhibit {eid}, which is not in manifest.json", "exhibit-missing")
        not_shown = [e for e in self.exhibits if e not in named]
        if not_shown:
            self.r.notes.append(f"the report does not name exhibit(s) {', '.join(not_shown)}")
        if parser.external:
            self.r.notes.append(f"the report refers to {len(parser.external)} address(es) outside the pack "
                                "(not checked; its Content-Security-Policy decides whether they load)")


def _csp_blocks_scripts(policy: str) -> bool:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.strip().split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    for name, values in directives.items():
        if name.startswith("script-src") and values != ["'none'"]:
            return False
    if "script-src" in directives:
        return True
    return directives.get("default-src") == ["'none'"]


def _resolve(url: str) -> tuple[str | None, bool]:
    """(path inside the pack or None if it leaves the pack, external?) for a link of index.html."""
    url = url.strip()
    if not url or url.startswith("#"):
        return "", True
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None, True
    path = unquote(parts.path)
    if not path:
        return "", True
    if path.startswith("/") or "\\" in path:
        return None, False
    folder = path.endswith("/")
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return None, False
    if norm == ".":
        return "", True
    return norm + ("/" if folder else ""), False


class _ReportParser(HTMLParser):
    _URL_ATTRS = {"href", "src", "data", "poster", "action", "formaction", "background", "cite"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.script_attrs: list[str] = []
        self.csp: list[str] = []
        self.base = False
        self.exhibit_ids: list[str] = []
        self.links: list[str] = []
        self.external: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag == "script":
            self.scripts += 1
        if tag == "base":
            self.base = True
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and values.get("http-equiv", "").strip().lower() == "content-security-policy":
            self.csp.append(values.get("content", ""))
        ident = values.get("id", "")
        mm = re.fullmatch(r"exhibit-(E[1-9][0-9]*)", ident)
        if mm:
            self.exhibit_ids.append(mm.group(1))
        for name, value in values.items():
            if name.startswith("on"):
                self.script_attrs.append(f"an {name} attribute on <{tag}>")
            if name == "srcdoc":
                self.script_attrs.append(f"a srcdoc attribute on <{tag}>")
            if name in self._URL_ATTRS or name == "srcset":
                urls = [u.strip().split()[0] for u in value.split(",") if u.strip()] if name == "srcset" else [value]
                for url in urls:
                    scheme = urlsplit(url.strip()).scheme.lower()
                    if scheme in ("javascript", "vbscript"):
                        self.script_attrs.append(f"a {scheme}: URL in {name} on <{tag}>")
                    elif scheme or url.strip().startswith("//"):
                        self.external.add(url.strip())
                    elif not url.strip().startswith("#"):
                        self.links.append(url)

    handle_startendtag = handle_starttag
