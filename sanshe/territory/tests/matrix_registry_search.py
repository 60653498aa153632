"""Permission matrix entries of the registry (search) URLs."""

MATRIX: dict = {}
