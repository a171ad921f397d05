"""The live wallboard: the call center on one page, kept current by the service (issue 13)."""
