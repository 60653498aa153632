"""Choices of social workers' practice: cases (个案), groups (小组), community activities.

``TRANSITIONS`` is the case workflow: action → (states it may start from, state it leads to or None for "unchanged",
whether a note is required). :func:`sanshe.socialwork.services_practice.transition` applies it and writes one
:class:`~sanshe.socialwork.models_practice.CaseStep` per step::

    接案 intake → 预估 assessment → 计划 planning → 服务中 serving → 结案 closed
    (转案 transfer to another social worker keeps the state; a case may be closed from any open state,
    e.g. when the client is referred elsewhere — outcome 转介)
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReferralSource(models.TextChoices):
    COMMUNITY = "community", _("Community")  # 社区
    GRID = "grid", _("Grid")  # 网格
    STREET = "street", _("Street")  # 街道
    SELF = "self", _("Self-referred")  # 自行求助
    AGENCY = "agency", _("Another agency")  # 其他机构
    HOTLINE = "hotline", _("Hotline")  # 热线
    FAMILY = "family", _("Family or neighbours")  # 家属/邻里
    OTHER = "other", _("Other")  # 其他


class CaseKind(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")  # 为老
    CHILDREN = "children", _("Children and youth")  # 青少年/困境儿童
    DISABILITY = "disability", _("Disability")  # 助残
    FAMILY = "family", _("Family relations")  # 家庭关系
    MENTAL = "mental", _("Emotional and mental health")  # 情绪与心理
    HARDSHIP = "hardship", _("Hardship and assistance")  # 困难救助
    OTHER = "other", _("Other")  # 其他


class CaseState(models.TextChoices):
    INTAKE = "intake", _("Intake")  # 接案
    ASSESSMENT = "assessment", _("Assessment")  # 预估
    PLANNING = "planning", _("Planning")  # 计划
    SERVING = "serving", _("In service")  # 服务中
    CLOSED = "closed", pgettext_lazy("case state", "Closed")  # 结案


OPEN_STATES = frozenset({CaseState.INTAKE, CaseState.ASSESSMENT, CaseState.PLANNING, CaseState.SERVING})


class CaseAction(models.TextChoices):
    OPEN = "open", _("Open the case")  # 接案 (the first history row)
    ASSESS = "assess", _("Record the assessment")  # 预估
    PLAN = "plan", _("Record the plan")  # 计划
    START = "start", _("Start the service")  # 开始服务
    TRANSFER = "transfer", _("Transfer to another social worker")  # 转案
    CLOSE = "close", _("Close the case")  # 结案


class CaseOutcome(models.TextChoices):
    ACHIEVED = "achieved", _("Goals achieved")  # 目标达成
    PARTLY = "partly", _("Goals partly achieved")  # 部分达成
    REFERRED = "referred", _("Referred elsewhere")  # 转介
    WITHDREW = "withdrew", _("Client withdrew")  # 服务对象退出
    LOST = "lost", _("Moved away or lost contact")  # 迁出/失联
    OTHER = "other", _("Other")  # 其他


class GoalStatus(models.TextChoices):
    PENDING = "pending", _("Not started")  # 未开始
    IN_PROGRESS = "in_progress", _("In progress")  # 进行中
    ACHIEVED = "achieved", _("Achieved")  # 已达成
    PARTLY = "partly", _("Partly achieved")  # 部分达成
    DROPPED = "dropped", _("Dropped")  # 已放弃


class SessionMethod(models.TextChoices):
    INTERVIEW = "interview", _("Face-to-face interview")  # 面谈
    PHONE = "phone", _("Phone")  # 电话
    HOME_VISIT = "home_visit", _("Home visit")  # 家访
    ONLINE = "online", _("Online")  # 线上
    ACCOMPANY = "accompany", _("Accompanying")  # 陪同
    OTHER = "other", _("Other")  # 其他


class ReferralResult(models.TextChoices):
    PENDING = "pending", _("Awaiting reply")  # 待反馈
    ACCEPTED = "accepted", _("Referral accepted")  # 已接收
    SERVED = "served", _("Served")  # 已提供服务
    DECLINED = "declined", _("Declined")  # 未接收


class GroupKind(models.TextChoices):
    SUPPORT = "support", _("Support group")  # 支持小组
    EDUCATION = "education", _("Education group")  # 教育小组
    GROWTH = "growth", _("Growth group")  # 成长小组
    MUTUAL_AID = "mutual_aid", _("Mutual-aid group")  # 互助小组
    SOCIAL = "social", _("Social and recreation group")  # 兴趣/康乐小组
    OTHER = "other", _("Other")  # 其他


class ActivityMethod(models.TextChoices):
    EDUCATION = "education", _("Community education")  # 社区教育
    ADVOCACY = "advocacy", _("Community advocacy")  # 社区倡导
    MUTUAL_AID = "mutual_aid", _("Mutual-aid network")  # 互助网络
    RESOURCES = "resources", _("Resource linking")  # 资源链接
    SURVEY = "survey", _("Needs assessment")  # 需求调研
    BUILDING = "building", _("Community building")  # 社区营造
    VOLUNTEERS = "volunteers", _("Volunteer training")  # 志愿者培育
    OTHER = "other", _("Other")  # 其他


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str | None
    needs_note: bool = False


_C = CaseState
TRANSITIONS: dict[str, Step] = {
    CaseAction.ASSESS: Step(frozenset({_C.INTAKE, _C.ASSESSMENT}), _C.ASSESSMENT),
    CaseAction.PLAN: Step(frozenset({_C.ASSESSMENT, _C.PLANNING}), _C.PLANNING),
    CaseAction.START: Step(frozenset({_C.PLANNING}), _C.SERVING),
    CaseAction.TRANSFER: Step(OPEN_STATES, None, needs_note=True),
    CaseAction.CLOSE: Step(OPEN_STATES, _C.CLOSED),
}
