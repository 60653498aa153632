"""Models of the service cloud: hotline (see the module docstring of ``models.py``)."""
