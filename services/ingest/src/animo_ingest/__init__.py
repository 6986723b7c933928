"""Animo ingest service."""
