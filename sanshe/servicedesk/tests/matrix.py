"""Permission matrix entries for the service cloud; one module per area, merged here."""

from . import (
    matrix_admission,
    matrix_api_slots,
    matrix_applications,
    matrix_appointments,
    matrix_certificates,
    matrix_config,
    matrix_hotline,
    matrix_orders,
    matrix_public,
    matrix_stats,
)

MATRIX = {}
for _module in (matrix_applications, matrix_config, matrix_appointments, matrix_certificates, matrix_stats,
                matrix_public, matrix_orders, matrix_hotline, matrix_admission, matrix_api_slots):
    MATRIX.update(_module.MATRIX)
