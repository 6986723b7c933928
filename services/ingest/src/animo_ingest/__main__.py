"""`python -m animo_ingest`: serve the ingest API."""

import gc
import sys

from animo_shared.app import serve

from .config import Settings

# The embedded store runs SQLite on a thread of its own: every read and commit of a request
# waits for the GIL while the event loop cleans the next batch, up to the switch interval
# (5 ms by default). Shorter, a request's store calls return sooner (as reporting does).
GIL_SWITCH_SECONDS = 0.0005
# A batch of 1,000 mentions keeps ~100,000 young containers alive (token positions, tags)
# until it is answered, so the default collector (every 700 allocations) rescans them
# again and again: measured, cleaning a batch took ~125 us a mention with it, ~83 without
# it, ~85 with a first generation of 50,000. Cycles are still collected, just less often.
GC_THRESHOLDS = (50_000, 20, 20)

if __name__ == "__main__":
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    gc.set_threshold(*GC_THRESHOLDS)
    # uvloop and httptools: the event loop and HTTP parser in C, for the request rates of issue 3.
    serve("ingest", Settings(), loop="uvloop", http="httptools")
