"""`python -m animo_reporting`: serve the reporting API."""

from animo_shared.app import serve

from .config import GIL_SWITCH_SECONDS, Settings

if __name__ == "__main__":
    import sys

    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    serve("reporting", Settings())
