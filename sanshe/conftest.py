import pytest

from sanshe.core.testing import build_world, login_as


@pytest.fixture
def world(db):
    """The two-district test world with one account per role (see ``sanshe.core.testing``)."""
    return build_world()


@pytest.fixture
def client_for(client):
    """``client_for(user)`` → the test client logged in as that user (second factor verified if needed)."""

    def make(user):
        login_as(client, user)
        return client

    return make
