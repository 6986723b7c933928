"""Animo crm service."""
