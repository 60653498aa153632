"""Permission matrix entries for the service cloud: config."""

MATRIX = {}
