"""Permission matrix entries for the service cloud: public."""

MATRIX = {}
