"""`python -m animo_publisher`: serve the publisher API."""

from animo_shared.app import serve

from .config import Settings

if __name__ == "__main__":
    serve("publisher", Settings())
