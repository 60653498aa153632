"""Permission matrix entries for the service cloud: appointments."""

MATRIX = {}
