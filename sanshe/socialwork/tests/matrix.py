"""Permission matrix entries of the socialwork app; one module per area, merged here."""

from . import matrix_practice, matrix_workers

MATRIX = {}
for _module in (matrix_workers, matrix_practice,):
    MATRIX.update(_module.MATRIX)
