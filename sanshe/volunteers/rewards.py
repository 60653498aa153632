"""The hook between service records and what they earn (points, time bank; the star level is computed live).

``on_hours_confirmed(record)`` is called by the service that confirms a :class:`ServiceRecord`, inside its
transaction. It awards the record's points under the earning rules in effect on the day it was served and deposits
its hours in the time bank (automatic deposit; the part above the cap goes to the district's pool). Both are
idempotent: a record earns and deposits once, however often the hook runs.
"""


def on_hours_confirmed(record) -> None:
    """A record was confirmed: award what it earns. Called inside the confirming transaction."""
    from . import services_rewards as sr

    sr.award_points(record)
    sr.deposit(record)
