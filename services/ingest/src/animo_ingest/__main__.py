"""`python -m animo_ingest`: serve the ingest API."""

from animo_shared.app import serve

from .config import Settings

if __name__ == "__main__":
    serve("ingest", Settings())
