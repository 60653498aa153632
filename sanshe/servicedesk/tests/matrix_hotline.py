"""Permission matrix entries for the service cloud: hotline."""

MATRIX = {}
