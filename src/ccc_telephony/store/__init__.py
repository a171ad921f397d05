"""PostgreSQL persistence: the call-event log, its `calls` projection, and admin records.

The only package that may import SQLAlchemy; everything else talks to these modules and gets
plain frozen dataclasses back.
"""
