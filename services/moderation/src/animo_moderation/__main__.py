"""`python -m animo_moderation`: serve the moderation API."""

from animo_shared.app import serve

from .config import Settings

if __name__ == "__main__":
    serve("moderation", Settings())
