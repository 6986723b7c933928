"""`python -m animo_reporting`: serve the reporting API."""

import gc
import sys

from animo_shared.app import serve

from . import main  # noqa: F401 - loaded before the freeze below, which then covers it
from .config import GIL_SWITCH_SECONDS, Settings

if __name__ == "__main__":
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    # Long-lived objects (modules, schemas) leave the collector's scans, so the full
    # collections that a report's many short-lived objects trigger stay short.
    gc.freeze()
    serve("reporting", Settings())
