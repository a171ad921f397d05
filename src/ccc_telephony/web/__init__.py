"""The HTTP API's shared plumbing: app factory, bearer-token auth, health and metrics."""
