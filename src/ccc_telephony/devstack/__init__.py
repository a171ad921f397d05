"""The developer sandbox: a real Asterisk 22 in a Debian sid chroot and a private PostgreSQL.

Nothing here runs in production. It exists so that `make run` and `make test` can bring up
the real servers on a fresh machine without a container daemon.
"""
