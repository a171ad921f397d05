"""Configuration: process settings from the environment and the admin's policy file."""

from ccc_telephony.config.policy import Policy, PolicyError, load_policy
from ccc_telephony.config.settings import Settings

__all__ = ["Policy", "PolicyError", "Settings", "load_policy"]
