"""Abusive calls: the agent ends one with one code; the caller hears a short professional
closing message before the line drops, and the agent documents it in the wrap-up (issue 11)."""
