"""Threats: a call flagged at once by its agent, told to their supervisor (live feed and
e-mail), the agent's account of the words, and the supervisor's decision (issue 11)."""
