"""Web archives of captures: record a page's HTTP traffic, write it as WARC 1.1, package WACZ 1.1.1.

* :mod:`.recorder` - :class:`Recorder` collects every request/response of a Playwright page;
* :mod:`.warc` - :func:`write_warc` writes them as a WARC 1.1 file with warcio;
* :mod:`.cdxj` - :func:`index_warcs` makes the CDXJ index a replay reads;
* :mod:`.wacz` - :func:`write_wacz` packages WARCs, index and pages as a WACZ file.

See docs/webarchive.md for the formats and what the WARC says when a body is missing.
"""

from importlib import import_module

__all__ = ["Exchange", "Recorder", "DEFAULT_MAX_BODY", "DEFAULT_MAX_TOTAL", "Page", "WaczResult", "write_wacz",
           "WarcResult", "write_warc"]

# Each name is imported from its module on first use: a capture needs the recorder and warcio only, not the
# WACZ side (cdxj-indexer pulls in requests, tldextract and pkg_resources: about 0.14 s).
_WHERE = {"Exchange": ".exchange", "Recorder": ".recorder", "DEFAULT_MAX_BODY": ".recorder",
          "DEFAULT_MAX_TOTAL": ".recorder", "Page": ".wacz", "WaczResult": ".wacz", "write_wacz": ".wacz",
          "WarcResult": ".warc", "write_warc": ".warc"}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
