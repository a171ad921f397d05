"""The engine's settings that keep failures bounded and private."""

from __future__ import annotations

import pytest

from ccc_telephony.store.engine import async_url, make_engine


async def test_errors_never_carry_the_statements_values() -> None:
    """A logged database error must not show caller data (names, case numbers, SSN last 4)."""
    engine = make_engine("postgresql://ccc@127.0.0.1:1/ccc")
    try:
        assert engine.sync_engine.hide_parameters is True
    finally:
        await engine.dispose()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url", ""])
def test_only_postgresql_urls_are_taken(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        async_url(url)
