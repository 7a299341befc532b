"""Helpers of the browser tests (the report's and the dashboard's); the ``browser`` fixture is
in ``tests/e2e/conftest.py``."""

from __future__ import annotations

WIDTHS_PX = (390, 1400)
"""A phone and a desktop."""


def assert_fits(page, width: int) -> None:
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert inner == width and scroll <= inner, (scroll, inner)
