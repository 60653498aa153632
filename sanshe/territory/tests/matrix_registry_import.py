"""Permission matrix entries of the registry (import) URLs."""

MATRIX: dict = {}
