"""Permission matrix entries of the registry (pages) URLs."""

MATRIX: dict = {}
