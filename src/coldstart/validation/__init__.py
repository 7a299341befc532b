"""Validation against reported events: the Kyiv replay of 9 January 2026."""
