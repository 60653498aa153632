"""Permission matrix entries of the societies app; one module per area, merged here."""

from . import matrix_registry

MATRIX = {}
for _module in (matrix_registry,):
    MATRIX.update(_module.MATRIX)
