"""`python -m animo_reporting`: serve the reporting API."""

from animo_shared.app import serve

from .config import Settings

if __name__ == "__main__":
    serve("reporting", Settings())
