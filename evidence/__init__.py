"""evidence: preserve reported social-media posts, prove they were not altered, and build a panel pack.

The public API is :class:`evidence.Evidence` (see :mod:`evidence.api`); errors are in
:mod:`evidence.errors`.
"""

__version__ = "0.1.0"

from .errors import *  # noqa: E402,F401,F403
from .api import CustodyEntry, Evidence, Item, validate_case_ref  # noqa: E402
from .keys import Signer, create_key, load_signer  # noqa: E402

__all__ = ["__version__", "Evidence", "Item", "CustodyEntry", "Signer", "create_key", "load_signer",
           "validate_case_ref"]
