"""Permission matrix entries for the service cloud; one module per area, merged here."""

from . import (
    matrix_applications,
    matrix_appointments,
    matrix_certificates,
    matrix_config,
    matrix_public,
    matrix_stats,
)

MATRIX = {}
for _module in (matrix_applications, matrix_config, matrix_appointments, matrix_certificates, matrix_stats,
                matrix_public):
    MATRIX.update(_module.MATRIX)
