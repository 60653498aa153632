import pytest

from sanshe.gridops.testing import build_gridops


@pytest.fixture
def gworld(world):
    """The test world with the event catalogue, handling units and the responsibility table."""
    return build_gridops(world)
