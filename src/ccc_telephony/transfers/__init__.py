"""Agents moving callers: to another queue (with the advisory), to another agent, to the Help
lead, to an allowed outside number; never to another consortium."""
