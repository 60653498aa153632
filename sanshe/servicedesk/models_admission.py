"""Models of the service cloud: admission (see the module docstring of ``models.py``)."""
