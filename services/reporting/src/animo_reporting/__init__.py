"""Animo reporting service."""
