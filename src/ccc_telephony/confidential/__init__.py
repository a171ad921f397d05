"""Confidential cases: the call back the assigned worker owes within 24 hours inside their
shift, marked during a call, told to the worker and their leads, tracked and escalated when
overdue (issue 12)."""
