"""Animo common library: event contracts, bus, store, settings, observability."""
