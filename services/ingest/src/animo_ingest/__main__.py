"""`python -m animo_ingest`: serve the ingest API."""

import sys

from animo_shared.app import serve

from .config import Settings

# The embedded store runs SQLite on a thread of its own: every read and commit of a request
# waits for the GIL while the event loop cleans the next batch, up to the switch interval
# (5 ms by default). Shorter, a request's store calls return sooner (as reporting does).
GIL_SWITCH_SECONDS = 0.0005

if __name__ == "__main__":
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    # uvloop and httptools: the event loop and HTTP parser in C, for the request rates of issue 3.
    serve("ingest", Settings(), loop="uvloop", http="httptools")
