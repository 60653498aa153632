"""Permission matrix entries of the volunteers app; one module per area, merged here."""

from . import matrix_activities, matrix_rewards

MATRIX = {}
for _module in (matrix_activities, matrix_rewards,):
    MATRIX.update(_module.MATRIX)
