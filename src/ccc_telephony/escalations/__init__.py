"""Escalations: the follow-up a Help lead owes the worker who escalated a caller (issue 10)."""
