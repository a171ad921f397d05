"""Every contact logged: the wrap-up an agent records after each call, the calls still
without one, and failed outbound attempts (issue 11)."""
