from .catalogue import EventCategory, EventSettings, HandlingUnit, Responsibility, UnitMember, WorkdayOverride
from .disputes import Dispute, DisputeAttachment, DisputeParty, DisputeStep, MediationSession
from .events import Event, EventPhoto, EventStep, Extension
from .open311 import Open311Client
from .patrols import Patrol, PatrolEvent, PatrolPoint
from .rollup import EventRollup  # rollup (indicators)

__all__ = [
    "Dispute", "DisputeAttachment", "DisputeParty", "DisputeStep", "Event", "EventCategory", "EventPhoto", "EventRollup",
    "EventSettings", "EventStep", "Extension", "HandlingUnit", "MediationSession", "Open311Client", "Patrol",
    "PatrolEvent", "PatrolPoint", "Responsibility", "UnitMember", "WorkdayOverride",
]
