"""Test helpers of the volunteer registry and activities: volunteers, organizations and activities in the test world
(``sanshe.core.testing``), made directly (no actor) so that tests and the permission matrix share them."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from sanshe.accounts.roles import Role

from .choices import RecordState, SignUpState
from .models import Activity, ServiceRecord, SignUp, Team, Volunteer

# Valid resident ID numbers (GB 11643 check character) for tests.
ID_NUMBERS = ["110105199001011233", "110105198507153456", "510104196805050014", "510104197712120021",
              "510104200001010010", "510104199912310028"]


def id_number(seed: int) -> str:
    """A valid ID number made from ``seed`` (birth 1960-01-01 + seed days, sequence from seed)."""
    from sanshe.core.validators import id_number_check_char

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=seed % 20000)
    first17 = f"510104{birth:%Y%m%d}{seed % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_volunteer(community, *, name="志愿者", user=None, resident=None, seed=None, **extra) -> Volunteer:
    from sanshe.core.crypto import blind_index
    from sanshe.core.masking import mask_id_number

    seed = seed if seed is not None else secrets.randbelow(10**6)
    number = resident.id_number if resident is not None else id_number(seed)
    v = Volunteer(number=f"T{secrets.token_hex(6)}", name=name, user=user, resident=resident, id_number=number,
                  id_number_index=blind_index(f"id_card:{number}"), id_number_masked=mask_id_number(number),
                  phone="13800000000", phone_masked="138****0000", registered_on=timezone.localdate(), **extra)
    v.copy_ancestors_from(community)
    v.save()
    return v


def make_organization(community, name="阳光志愿服务中心", staff=()):
    from sanshe.societies.models import Organization, OrganizationStaff

    org = Organization(name=name, track="filed", filing_number=f"BA{secrets.token_hex(3)}")
    org.copy_ancestors_from(community)
    org.save()
    for user in staff:
        OrganizationStaff.objects.create(organization=org, user=user)
    return org


def make_activity(community, *, title="清洁家园", organization=None, start=None, hours=3, slots=10,
                  **extra) -> Activity:
    start = start or (timezone.now() + dt.timedelta(days=2))
    a = Activity(title=title, organization=organization, place="社区广场", starts_at=start,
                 ends_at=start + dt.timedelta(hours=hours), slots=slots, token=secrets.token_urlsafe(24), **extra)
    a.copy_ancestors_from(community)
    a.save()
    return a


def make_record(volunteer, activity, *, state=RecordState.PENDING, hours=3, started_at=None) -> ServiceRecord:
    started = started_at or activity.starts_at
    r = ServiceRecord(volunteer=volunteer, activity=activity, organization=activity.organization, started_at=started,
                      ended_at=started + dt.timedelta(hours=float(hours)), hours=hours, computed_hours=hours,
                      place=activity.place, content=activity.title, state=state,
                      organizer_name=activity.organizer_name)
    r.copy_ancestors_from(activity)
    r.save()
    return r


def activities_world(world) -> dict:
    """Inside (C1 of D1) and outside (C4 of D2) rows for every role of the matrix world, cached on ``world``:
    ``t_volunteer`` and ``t_resident`` are volunteers of C1; ``t_social_org`` is staff of the inside organization;
    each side has a community activity, an organization activity (with a pending record), a team."""
    cache = world.__dict__.get("_activities")
    if cache is not None:
        return cache
    cache = {}
    c1, c4 = world.nodes["C1"], world.nodes["C4"]
    vol_user, res_user = world.users[Role.VOLUNTEER], world.users[Role.RESIDENT]
    for inside, community in ((True, c1), (False, c4)):
        org = make_organization(community, name="阳光志愿服务中心" if inside else "远方志愿协会",
                                staff=[world.users[Role.SOCIAL_ORG]] if inside else [])
        v1 = make_volunteer(community, name="张志愿" if inside else "远方甲", user=vol_user if inside else None,
                            seed=11 if inside else 41)
        v2 = make_volunteer(community, name="李居民" if inside else "远方乙", user=res_user if inside else None,
                            seed=12 if inside else 42)
        v3 = make_volunteer(community, name="王服务" if inside else "远方丙", seed=13 if inside else 43)
        activity = make_activity(community, title="社区清洁" if inside else "远方清洁")
        org_activity = make_activity(community, title="关爱老人" if inside else "远方关爱", organization=org,
                                     start=timezone.now() - dt.timedelta(days=1))
        for v in (v1, v2):
            SignUp.objects.create(activity=activity, volunteer=v, signed_up_at=timezone.now(),
                                  state=SignUpState.SIGNED_UP)
        SignUp.objects.create(activity=org_activity, volunteer=v3, signed_up_at=timezone.now())
        record = make_record(v3, org_activity)
        past = make_activity(community, title="垃圾分类宣传" if inside else "远方宣传",
                             start=timezone.now() - dt.timedelta(days=3))
        c_record = make_record(v2, past)
        v1_record = make_record(v1, past, state=RecordState.CONFIRMED)
        team = Team(name="红马甲服务队" if inside else "远方服务队")
        team.copy_ancestors_from(community)
        team.save()
        team.members.set([v1, v2, v3])
        cache[inside] = {"org": org, "volunteer": v3, "self": v1, "activity": activity, "org_activity": org_activity,
                         "record": record, "team": team, "past": past, "c_record": c_record,
                         "v1_record": v1_record, "v2": v2, "community": community}
    world.__dict__["_activities"] = cache
    return cache
