"""Shared Asterisk plumbing: the ARI and AMI clients, our FastAGI server, config generation."""
