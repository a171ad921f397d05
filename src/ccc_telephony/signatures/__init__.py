"""Telephonic signatures: the attestation a caller hears mid-call, their voice recorded as the
signature, kept tamper-evident, retained, and shown only to the right people (issue 11)."""
