"""Permission matrix entries for grid governance; one module per area, merged here."""

from . import matrix_config, matrix_disputes, matrix_events, matrix_open311, matrix_patrols, matrix_stats

MATRIX = {}
for _module in (matrix_events, matrix_config, matrix_disputes, matrix_patrols, matrix_stats, matrix_open311):
    MATRIX.update(_module.MATRIX)
