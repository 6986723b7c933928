"""`python -m animo_crm`: serve the crm API."""

import gc
import sys

from animo_shared.app import serve

from . import main  # noqa: F401 - loaded before the freeze below, which then covers it
from .config import Settings

# The embedded store's thread and the event loop hand the GIL back and forth on every
# statement; a short switch interval keeps the consumer from waiting 5 ms each time.
GIL_SWITCH_SECONDS = 0.0005

if __name__ == "__main__":
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    # Long-lived objects (modules, schemas) leave the collector's scans.
    gc.freeze()
    serve("crm", Settings())
