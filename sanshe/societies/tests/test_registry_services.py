"""Services of the social organization registry: dual track, status workflow, incubation, inspection,
evaluation with configurable cut-offs, members, council, posts, and who may do what."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from sanshe.core.models import AuditEntry
from sanshe.societies import services_registry as sr
from sanshe.societies.choices import EvalLevel, OrgStatus, Track
from sanshe.societies.models import OrganizationStaff, StatusChange

from .registry_helpers import credit_code, residents, units

pytestmark = pytest.mark.django_db


def _org(world, track=Track.REGISTERED, n=1, node="C1", actor="community_worker", **kw):
    extra = {"credit_code": credit_code(n, kw.pop("kind", "1"))} if track == Track.REGISTERED else \
        {"filing_number": f"BA-{n:04d}"}
    return sr.register_organization(actor=world.user(actor), node=world.nodes[node], name=f"组织{n}", track=track,
                                    service_field="elderly", **extra, **kw)


def test_registered_needs_a_valid_civil_affairs_code_and_type_is_derived(world):
    org = _org(world, kind="2")
    assert org.org_type == "民办非企业单位" or "non-enterprise" in org.org_type.lower()
    assert org.is_private_non_enterprise
    assert org.community_id == world.nodes["C1"].pk and org.street_id == world.nodes["S1"].pk
    assert StatusChange.objects.filter(organization=org, to_status=OrgStatus.PREPARING).count() == 1
    assert AuditEntry.objects.filter(action="societies.organization.registered").count() == 1
    bad = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        sr.register_organization(actor=world.user("community_worker"), node=world.nodes["C1"], name="x",
                                 track=Track.REGISTERED, credit_code=bad)
    assert "credit_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # the same code twice in the district
        _org(world, n=1, kind="2")
    assert "credit_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # market-regulation code (9…)
        from sanshe.core.validators import credit_code_check_char

        first = "91510100MA" + "0000001"
        sr.register_organization(actor=world.user("community_worker"), node=world.nodes["C1"], name="公司",
                                 track=Track.REGISTERED, credit_code=first + credit_code_check_char(first))
    assert "credit_code" in exc.value.message_dict


def test_filed_needs_a_filing_number_and_no_credit_code(world):
    with pytest.raises(ValidationError) as exc:
        sr.register_organization(actor=world.user("community_worker"), node=world.nodes["C1"], name="舞蹈队",
                                 track=Track.FILED, credit_code=credit_code(5))
    assert {"credit_code", "filing_number"} <= exc.value.message_dict.keys()
    org = _org(world, Track.FILED, n=7, status=OrgStatus.FILED)
    assert org.credit_code == "" and org.status == OrgStatus.FILED
    assert "filed" in org.org_type.lower() or "备案" in org.org_type
    with pytest.raises(ValidationError):
        _org(world, Track.FILED, n=7)  # same filing number


def test_scope_and_permission(world):
    with pytest.raises(Http404):
        _org(world, node="C2")  # another community than the worker's
    with pytest.raises(PermissionDenied):
        _org(world, actor="social_org")
    org = _org(world, node="S1", actor="street_official")
    assert org.community_id is None


def test_status_transitions_and_history(world):
    org = _org(world, Track.FILED, n=3)
    actor = world.user("community_worker")
    org = sr.change_status(actor=actor, org=org, to=OrgStatus.INCUBATING, note="入驻孵化")
    org = sr.change_status(actor=actor, org=org, to=OrgStatus.FILED)
    with pytest.raises(ValidationError) as exc:  # registering needs a credit code
        sr.change_status(actor=actor, org=org, to=OrgStatus.REGISTERED)
    assert "credit_code" in exc.value.message_dict
    org = sr.change_status(actor=actor, org=org, to=OrgStatus.REGISTERED, credit_code=credit_code(33))
    assert org.track == Track.REGISTERED and org.filing_number == "" and org.credit_code == credit_code(33)
    with pytest.raises(ValidationError):
        sr.change_status(actor=actor, org=org, to=OrgStatus.FILED)
    with pytest.raises(ValidationError) as exc:
        sr.change_status(actor=actor, org=org, to=OrgStatus.DEREGISTERED)
    assert "note" in exc.value.message_dict
    org = sr.change_status(actor=actor, org=org, to=OrgStatus.DEREGISTERED, note="自行解散")
    with pytest.raises(ValidationError):
        sr.change_status(actor=actor, org=org, to=OrgStatus.INCUBATING)
    steps = list(StatusChange.objects.filter(organization=org).values_list("from_status", "to_status"))
    assert steps == [("", "preparing"), ("preparing", "incubating"), ("incubating", "filed"),
                     ("filed", "registered"), ("registered", "deregistered")]


def test_incubation_and_inspection(world):
    org = _org(world)
    actor = world.user("community_worker")
    inc = sr.save_incubation(actor=actor, org=org, level="community", stage="intake",
                             entered_on=dt.date(2025, 3, 1), incubator="和平社区孵化园")
    with pytest.raises(ValidationError):
        sr.save_incubation(actor=actor, org=org, level="street", stage="intake", entered_on=dt.date(2025, 4, 1))
    sr.save_incubation(actor=actor, org=org, level="community", stage="graduated", entered_on=dt.date(2025, 3, 1),
                       left_on=dt.date(2026, 1, 1), incubation=inc)
    inc.refresh_from_db()
    assert inc.stage == "graduated" and inc.left_on == dt.date(2026, 1, 1)
    sr.record_inspection(actor=actor, org=org, year=2025, result="basically", notes="财务制度待完善")
    row = sr.record_inspection(actor=actor, org=org, year=2025, result="passed")
    assert org.inspections.count() == 1 and row.result == "passed"
    with pytest.raises(ValidationError):
        sr.record_inspection(actor=actor, org=org, year=2999, result="passed")


def test_evaluation_levels_follow_the_cutoffs_in_force(world):
    org = _org(world, kind="2")
    official = world.user("street_official")
    with pytest.raises(PermissionDenied):  # community workers do not evaluate
        sr.record_evaluation(actor=world.user("community_worker"), org=org, evaluated_on=dt.date(2025, 6, 1),
                             scores={})
    ev = sr.record_evaluation(actor=official, org=org, evaluated_on=dt.date(2025, 6, 1),
                              scores={"basic": 55, "governance": 350, "performance": 380, "social": 130})
    assert ev.total == 915 and ev.level == EvalLevel.A5 and ev.valid_until == dt.date(2030, 6, 1)
    org.refresh_from_db()
    assert org.evaluation_level == "5A" and sr.current_level(org, dt.date(2030, 6, 1)) == "5A"
    assert sr.current_level(org, dt.date(2030, 6, 2)) == ""
    with pytest.raises(ValidationError) as exc:  # beyond the dimension's maximum
        sr.record_evaluation(actor=official, org=org, evaluated_on=dt.date(2025, 6, 2),
                             scores={"basic": 61, "governance": 0, "performance": 0, "social": 0})
    assert "score_basic" in exc.value.message_dict
    admin = world.user("district_admin")
    with pytest.raises(ValidationError):  # maxima must add up to 1000
        sr.save_config(actor=admin, district=world.nodes["D1"], effective_from=dt.date(2026, 1, 1), max_basic=100)
    with pytest.raises(PermissionDenied):
        sr.save_config(actor=world.user("community_worker"), district=world.nodes["D1"],
                       effective_from=dt.date(2026, 1, 1))
    sr.save_config(actor=admin, district=world.nodes["D1"], effective_from=dt.date(2026, 1, 1), cut_5a=950)
    late = sr.record_evaluation(actor=official, org=org, evaluated_on=dt.date(2026, 2, 1),
                                scores={"basic": 55, "governance": 350, "performance": 380, "social": 130})
    assert late.level == EvalLevel.A4  # 915 < 950 under the new rule
    early = sr.record_evaluation(actor=official, org=org, evaluated_on=dt.date(2025, 12, 1),
                                 scores={"basic": 55, "governance": 350, "performance": 380, "social": 130})
    assert early.level == EvalLevel.A5  # the old rule was in force then
    org.refresh_from_db()
    assert org.evaluation_level == "4A"  # the latest evaluation's level
    low = sr.level_for(499, sr.config_on(world.nodes["D1"].pk))
    assert low == EvalLevel.NONE


def test_members_council_posts_and_self_service(world):
    org = _org(world)
    worker = world.user("community_worker")
    people = residents(world.nodes["G1"], 3)
    other_district = residents(world.nodes["G5"], 1, prefix="远方")
    unit = units(world.nodes["C1"], 1)[0]
    m = sr.add_member(actor=worker, org=org, kind="individual", resident=people[0])
    assert m.name == people[0].name and m.community_id == org.community_id
    with pytest.raises(ValidationError):
        sr.add_member(actor=worker, org=org, kind="individual", resident=people[0])
    with pytest.raises(ValidationError):
        sr.add_member(actor=worker, org=org, kind="individual", resident=other_district[0])
    sr.add_member(actor=worker, org=org, kind="unit", unit=unit)
    sr.add_member(actor=worker, org=org, kind="individual", name="王外来")
    seat = sr.save_seat(actor=worker, org=org, role="chair", resident=people[1])
    vacant = sr.save_seat(actor=worker, org=org, role="director", holder_name="李非居民")
    assert seat.holder_is_resident and not vacant.holder_is_resident
    post = sr.save_post(actor=worker, org=org, title="秘书长", resident=people[2])
    cadre = sr.save_post(actor=worker, org=org, title="会长", resident=people[1], holder_is_cadre=True)
    assert post.held_by_ordinary_resident and not cadre.held_by_ordinary_resident
    # The organization's own account: contacts, members and council; not status, posts, evaluation.
    own = world.user("social_org")
    OrganizationStaff.objects.create(organization=org, user=own)
    sr.update_organization(actor=own, org=org, contact_name="张联络", contact_phone="13800138000")
    org.refresh_from_db()
    assert org.contact_name == "张联络"
    with pytest.raises(PermissionDenied):
        sr.update_organization(actor=own, org=org, name="改名")
    sr.add_member(actor=own, org=org, kind="individual", name="自填会员")
    sr.save_seat(actor=own, org=org, role="supervisor", holder_name="自填监事")
    with pytest.raises((PermissionDenied, Http404)):
        sr.change_status(actor=own, org=org, to=OrgStatus.INCUBATING)
    with pytest.raises((PermissionDenied, Http404)):
        sr.save_post(actor=own, org=org, title="队长")
    other = _org(world, n=9)
    with pytest.raises(Http404):
        sr.add_member(actor=own, org=other, kind="individual", name="越权")
    sr.end_membership(actor=worker, member=m)
    with pytest.raises(ValidationError):
        sr.end_membership(actor=worker, member=m)
