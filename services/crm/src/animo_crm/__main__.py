"""`python -m animo_crm`: serve the crm API."""

from animo_shared.app import serve

from .config import Settings

if __name__ == "__main__":
    serve("crm", Settings())
