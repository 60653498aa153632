"""Registry API: dwellings, households, residents, tags, resident units."""


def register(router):
    """Register the registry viewsets."""
