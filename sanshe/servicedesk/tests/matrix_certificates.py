"""Permission matrix entries for the service cloud: certificates."""

MATRIX = {}
