import pytest

from sanshe.core.testing import build_world
from sanshe.servicedesk.testing import build_servicedesk


@pytest.fixture
def sworld(db):
    """The test world with the service cloud's departments, items and stations (``servicedesk.testing``)."""
    return build_servicedesk(build_world())
