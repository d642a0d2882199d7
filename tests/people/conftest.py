"""The people tests use the page tests' server (``site``: the app over real HTTP on 127.0.0.1)."""

from __future__ import annotations

from tests.web.conftest import site

__all__ = ["site"]
