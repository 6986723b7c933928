"""Animo embedded runner: broker, topics, services and demo feed on one machine."""
