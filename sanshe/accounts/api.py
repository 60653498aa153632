def register(router):
    """Register this app's viewsets on the v1 router (to be written)."""
