"""Permission matrix entries for the service cloud: admission."""

MATRIX = {}
