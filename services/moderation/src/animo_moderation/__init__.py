"""Animo moderation service."""
