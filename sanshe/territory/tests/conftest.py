"""Fixtures of the territory tests."""

import pytest
from django.utils import translation


@pytest.fixture
def zh_fragment():
    """Chinese active (the project's catalogue, sanshe/locale/zh_Hans)."""
    with translation.override("zh-hans"):
        yield
