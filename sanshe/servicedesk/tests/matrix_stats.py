"""Permission matrix entries for the service cloud: stats."""

MATRIX = {}
