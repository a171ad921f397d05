"""ccc-telephony: the agency's telephone standards, running beside a real Asterisk."""

__version__ = "0.1.0"
