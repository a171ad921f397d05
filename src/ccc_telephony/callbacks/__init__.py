"""Callback instead of waiting: a caller keeps their place in a queue while they hang up, and is
called back when their turn comes (a placeholder in app_queue, then the return-call dialer)."""
