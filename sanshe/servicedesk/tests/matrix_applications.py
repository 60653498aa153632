"""Permission matrix entries for the service cloud: applications."""

MATRIX = {}
