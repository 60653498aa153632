"""Models of the service cloud: orders (see the module docstring of ``models.py``)."""
