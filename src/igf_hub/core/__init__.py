"""Shared building blocks used by every domain. `core` imports no domain."""
