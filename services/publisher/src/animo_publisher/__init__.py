"""Animo publisher service."""
