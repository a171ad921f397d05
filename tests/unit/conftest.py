from pathlib import Path

import pytest

from ccc_telephony.config.directory import Directory, load_directory
from ccc_telephony.config.policy import Policy, load_policy
from ccc_telephony.config.settings import DEFAULT_DIRECTORY, DEFAULT_POLICY


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(DEFAULT_POLICY)


@pytest.fixture(scope="session")
def directory() -> Directory:
    return load_directory(DEFAULT_DIRECTORY)


@pytest.fixture
def policy_text() -> str:
    return Path(DEFAULT_POLICY).read_text()
