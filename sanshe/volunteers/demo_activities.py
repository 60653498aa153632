"""Demo data of the volunteer registry and activities in the demo district (锦华区), driven through
:mod:`sanshe.volunteers.services_activities`:

* **Volunteers**: about 100 across the district's communities, some forty of them residents of the registry (their ID
  numbers and phones come from it), the rest registered with their own; skills and availability; a few inactive.
* **Teams**: two per community for the first three communities (a leader and members).
* **Past activities** (the last ten months): four per community, the first community's two of them organized by
  the organization whose staff is the demo account ``social_org``; participants checked in and out, the hours
  confirmed by the organizer (a few adjusted or rejected), one forgotten check-out closed by rule and awaiting
  confirmation.
* **Upcoming activities**: in the next two weeks, with sign-ups.
* **The demo account** ``volunteer`` (许志远, community 1) is linked as a volunteer with some history (confirmed
  hours, one record awaiting the organizer) and signed up for an upcoming activity.

Idempotent: the volunteers, teams and activities are made once per district (skipped when the district has
volunteers); the demo account's link is made whenever the account exists and is not yet a volunteer.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from sanshe.accounts.models import User
from sanshe.territory.choices import Level, ResidentStatus
from sanshe.territory.models import Node, Resident

from . import services_activities as sv
from .choices import RecordSource, RecordState, SignUpState
from .models import Activity, ServiceRecord, SignUp, Volunteer

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["建华", "秀英", "志强", "丽娟", "国平", "晓燕", "文博", "雪梅", "海涛", "淑珍", "俊杰", "红霞", "德明", "玉兰",
         "子涵", "雨欣", "浩然", "思琪", "家豪", "静怡", "明轩", "欣怡", "天佑", "佳琪"]
SKILLS = [["助老", "陪伴"], ["医疗护理"], ["法律咨询"], ["儿童陪伴", "教育辅导"], ["文艺"], ["环境保护"],
          ["治安巡逻"], ["理发"], ["电脑维修"], ["心理疏导"], ["摄影宣传"], ["家电维修"], ["应急救援"], []]
AVAILABILITY = ["周末", "工作日晚上", "周末全天", "周一至周五上午", "节假日", "随时"]
PAST = [("敬老院陪伴", "助老", "敬老院", ["助老"]), ("垃圾分类督导", "环保", "各投放点", ["环境保护"]),
        ("社区义诊", "义诊", "党群服务中心", ["医疗护理"]), ("四点半课堂辅导", "教育", "社区活动室", ["教育辅导"]),
        ("楼道清理", "环境", "各院落", []), ("文明劝导", "巡逻", "社区主干道", ["治安巡逻"]),
        ("免费理发", "便民", "社区广场", ["理发"]), ("独居老人探访", "助老", "独居老人家中", ["助老"])]
UPCOMING = [("重阳节敬老活动", "社区广场", ["助老", "文艺"]), ("反诈宣传进院落", "各院落", ["摄影宣传"]),
            ("周末河道清洁", "沙河沿线", ["环境保护"]), ("便民服务日", "党群服务中心", ["理发", "家电维修"])]


def _actor(username: str):
    return User.objects.filter(username=username).first()


def _org_of(user):
    from sanshe.societies.models import Organization

    if user is None:
        return None
    return Organization.objects.filter(staff__user=user).order_by("pk").first()


def seed(ctx) -> None:
    district, community = ctx.nodes.get("district"), ctx.nodes.get("community")
    admin = _actor("district_admin")
    if district is None or community is None or admin is None:
        return
    communities = list(Node.objects.filter(district=district, level=Level.COMMUNITY, is_active=True).order_by("code"))
    if not Volunteer.objects.filter(district=district).exists():
        rng = random.Random(6)
        volunteers = _volunteers(ctx, rng, admin, communities)
        _teams(ctx, rng, admin, communities, volunteers)
        _activities(ctx, rng, admin, communities, volunteers)
    _demo_volunteer(ctx, community)


def _volunteers(ctx, rng, admin, communities) -> dict[int, list[Volunteer]]:
    from .testing_activities import id_number

    by_community: dict[int, list[Volunteer]] = {c.pk: [] for c in communities}
    residents = list(Resident.objects.filter(district_id=communities[0].district_id, status=ResidentStatus.REGISTERED,
                                             birth_date__year__range=(1950, 2004)).exclude(id_number_index="")
                     .exclude(phone_index="").order_by("pk")[:2000])
    picked = residents[:: max(1, len(residents) // 40)][:40] if residents else []
    today = timezone.localdate()
    for i in range(100):
        community = communities[i % len(communities)]
        kwargs = {"skills": SKILLS[i % len(SKILLS)], "availability": AVAILABILITY[i % len(AVAILABILITY)],
                  "is_party_member": i % 5 == 0}
        resident = picked[i // 2] if i % 2 == 0 and i // 2 < len(picked) else None
        try:
            if resident is not None:
                v = sv.register_volunteer(actor=admin, resident=resident, **kwargs)
            else:
                name = SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 5) % len(GIVEN)]
                v = sv.register_volunteer(actor=admin, community=community, name=name,
                                          id_number=id_number(3000 + i * 37), phone=f"139{80000000 + i * 1237:08d}",
                                          **kwargs)
        except Exception:  # noqa: BLE001 - a clash with a registry ID number: skip that one
            continue
        registered = today - dt.timedelta(days=30 + rng.randrange(900))
        v.registered_on, v.is_active = registered, i % 23 != 7
        Volunteer.objects.filter(pk=v.pk).update(registered_on=v.registered_on, is_active=v.is_active)
        by_community.setdefault(v.community_id, []).append(v)
        ctx.count("volunteers", "volunteer")
    return by_community


def _teams(ctx, rng, admin, communities, volunteers) -> None:
    names = [("红马甲志愿服务队", "综合服务"), ("夕阳红助老服务队", "助老")]
    for community in communities[:3]:
        members = volunteers.get(community.pk, [])
        if len(members) < 4:
            continue
        for k, (name, field) in enumerate(names):
            group = members[k::2]
            sv.save_team(actor=admin, community=community, name=f"{community.name}{name}", leader=group[0],
                         members=group, service_field=field)
            ctx.count("volunteers", "team")


def _record(activity, volunteer, *, started, ended, closed_by_rule=False) -> ServiceRecord:
    SignUp.objects.get_or_create(activity=activity, volunteer=volunteer,
                                 defaults={"state": SignUpState.SIGNED_UP, "signed_up_at": activity.starts_at
                                           - dt.timedelta(days=3)})
    record = ServiceRecord(volunteer=volunteer, activity=activity, organization_id=activity.organization_id,
                           source=RecordSource.ACTIVITY, started_at=started, ended_at=ended, place=activity.place,
                           content=activity.title, state=RecordState.PENDING, closed_by_rule=closed_by_rule,
                           organizer_name=activity.organizer_name)
    record.hours = record.computed_hours = sv.service_hours(activity, started, ended)
    record.copy_ancestors_from(activity)
    record.save()
    return record


def _activities(ctx, rng, admin, communities, volunteers) -> None:
    org_user = _actor("social_org")
    org = _org_of(org_user)
    now = timezone.now()
    for ci, community in enumerate(communities):
        members = list(volunteers.get(community.pk, []))
        if not members:
            continue
        for k in range(4):
            title, _kind, place, skills = PAST[(ci + k * 3) % len(PAST)]
            day = timezone.localtime(now - dt.timedelta(days=20 + k * 70 + ci * 5)).replace(
                hour=9, minute=0, second=0, microsecond=0)
            by_org = ci == 0 and k < 2 and org is not None and org_user is not None
            actor = org_user if by_org else admin
            activity = sv.post_activity(actor=actor, community=community, organization=org if by_org else None,
                                        title=title, place=f"{community.name}{place}", starts_at=day,
                                        ends_at=day + dt.timedelta(hours=3), slots=12, skills=skills,
                                        content=f"{title}：志愿者按分工开展服务。", contact="社区志愿服务站")
            Activity.objects.filter(pk=activity.pk).update(created_at=day - dt.timedelta(days=7))
            ctx.count("volunteers", "past activity")
            for j, v in enumerate(rng.sample(members, min(len(members), rng.randint(5, 10)))):
                started = day + dt.timedelta(minutes=rng.choice([-20, -5, 0, 10, 25]))
                ended = day + dt.timedelta(hours=3, minutes=rng.choice([-60, -30, 0, 15]))
                forgotten = ci == 0 and k == 0 and j == 0
                record = _record(activity, v, started=started, ended=day + dt.timedelta(hours=3) if forgotten
                                 else ended, closed_by_rule=forgotten)
                ctx.count("volunteers", "service record")
                if forgotten:
                    continue  # closed by rule, awaiting the organizer's confirmation
                at = day + dt.timedelta(days=1, hours=2)
                if j == 1 and k == 1:
                    sv.reject_record(record, actor=actor, reason="当天未实际参与服务，误扫签到", at=at)
                elif j == 2:
                    sv.confirm_record(record, actor=actor, hours=max(record.hours - 1, 1), at=at,
                                      reason="中途离开一小时，按实际服务时长确认")
                else:
                    sv.confirm_record(record, actor=actor, at=at)
        for k in range(1 if ci else 3):
            title, place, skills = UPCOMING[(ci + k) % len(UPCOMING)]
            day = timezone.localtime(now + dt.timedelta(days=3 + k * 4 + ci)).replace(hour=9, minute=30, second=0,
                                                                                       microsecond=0)
            by_org = ci == 0 and k == 1 and org is not None and org_user is not None
            activity = sv.post_activity(actor=org_user if by_org else admin, community=community,
                                        organization=org if by_org else None, title=title,
                                        place=f"{community.name}{place}", starts_at=day,
                                        ends_at=day + dt.timedelta(hours=3), slots=15, skills=skills,
                                        content=f"{title}，欢迎志愿者报名参加。", contact="社区志愿服务站")
            ctx.count("volunteers", "upcoming activity")
            for v in members[: rng.randint(3, 8)]:
                if v.is_active:
                    SignUp.objects.get_or_create(activity=activity, volunteer=v,
                                                 defaults={"signed_up_at": now - dt.timedelta(days=1)})
                    ctx.count("volunteers", "sign-up")


def _demo_volunteer(ctx, community) -> None:
    """The demo account ``volunteer`` (许志远): a volunteer of community 1 with history and a sign-up."""
    user = User.objects.filter(username="volunteer").first()
    if user is None or Volunteer.objects.filter(user=user).exists():
        return
    from .testing_activities import id_number

    try:
        v = sv.register_volunteer(actor=user, community=community, name=user.full_name or "许志远",
                                  id_number=id_number(9191), phone="13908009191", skills=["助老", "摄影宣传"],
                                  availability="周末")
    except Exception:  # noqa: BLE001 - the account has no VOLUNTEER_SELF grant here: leave it unlinked
        return
    Volunteer.objects.filter(pk=v.pk).update(registered_on=timezone.localdate() - dt.timedelta(days=400))
    ctx.count("volunteers", "demo volunteer")
    now = timezone.now()
    past = list(Activity.objects.filter(community=community, ends_at__lt=now, cancelled_at__isnull=True)
                .order_by("starts_at"))
    admin = _actor("district_admin")
    for i, activity in enumerate(past[:3]):
        if ServiceRecord.objects.filter(activity=activity, volunteer=v).exists():
            continue
        record = _record(activity, v, started=activity.starts_at, ended=activity.ends_at - dt.timedelta(minutes=20))
        ctx.count("volunteers", "service record")
        if i < 2:
            actor = _actor("social_org") if activity.organization_id else admin
            if actor is not None:
                sv.confirm_record(record, actor=actor, at=activity.ends_at + dt.timedelta(days=1))
    upcoming = Activity.objects.filter(community=community, starts_at__gt=now, cancelled_at__isnull=True,
                                       organization__isnull=True).order_by("starts_at").first()
    if upcoming is not None:
        sv.sign_up(upcoming, actor=user)
        ctx.count("volunteers", "sign-up")
