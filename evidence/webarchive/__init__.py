"""Web archives of captures: record a page's HTTP traffic, write it as WARC 1.1, package WACZ 1.1.1.

* :mod:`.recorder` - :class:`Recorder` collects every request/response of a Playwright page;
* :mod:`.warc` - :func:`write_warc` writes them as a WARC 1.1 file with warcio;
* :mod:`.cdxj` - :func:`index_warcs` makes the CDXJ index a replay reads;
* :mod:`.wacz` - :func:`write_wacz` packages WARCs, index and pages as a WACZ file.

See docs/webarchive.md for the formats and what the WARC says when a body is missing.
"""

from .exchange import Exchange
from .recorder import DEFAULT_MAX_BODY, DEFAULT_MAX_TOTAL, Recorder
from .wacz import Page, WaczResult, write_wacz
from .warc import WarcResult, write_warc

__all__ = ["Exchange", "Recorder", "DEFAULT_MAX_BODY", "DEFAULT_MAX_TOTAL", "Page", "WaczResult", "write_wacz",
           "WarcResult", "write_warc"]
