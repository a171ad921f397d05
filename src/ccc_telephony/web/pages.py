"""What every HTML page the service serves says to the browser: load only what the service
itself serves (no inline script, nothing from elsewhere, no framing by another site), never
guess a file's type, keep no copy (a page holds staff's names and states)."""

from __future__ import annotations

from typing import Final

PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
