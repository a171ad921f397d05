"""Agents on SIP phones: roster, login and states with reasons, protected time, Help-queue
shifts and coverage, queue membership in Asterisk, and the queue events of their calls."""
