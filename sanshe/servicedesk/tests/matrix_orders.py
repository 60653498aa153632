"""Permission matrix entries for the service cloud: orders."""

MATRIX = {}
