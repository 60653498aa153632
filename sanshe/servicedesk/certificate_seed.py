"""The certificates a community issues (社区证明), with their wording: seeded once per district, edited by the
district's administrators afterwards (``servicedesk:certificate_type_list``).

Placeholders of a wording (see :class:`~sanshe.servicedesk.models.CertificateType`): ``{name}``,
``{id_number}`` (masked), ``{address}``, ``{household}``, ``{community}``, ``{purpose}``, ``{date}``.
"""

from __future__ import annotations

from .models import CertificateType

CERTIFICATE_TYPES: list[tuple[str, str, str]] = [
    ("ZM01", "居住证明",
     "兹证明{name}（公民身份号码：{id_number}）现居住于{address}，系本社区居民。\n"
     "此证明用于{purpose}。特此证明。"),
    ("ZM02", "家庭成员关系证明",
     "兹证明{name}（公民身份号码：{id_number}）户籍（或居住）在本社区{address}，户号{household}。"
     "经核实，其家庭成员关系情况属实。\n此证明用于{purpose}。特此证明。"),
    ("ZM03", "家庭经济困难证明",
     "兹证明{name}（公民身份号码：{id_number}）居住于{address}，经社区走访核实，其家庭经济确有困难。\n"
     "此证明用于{purpose}。特此证明。"),
    ("ZM04", "无业证明（失业状况证明）",
     "兹证明{name}（公民身份号码：{id_number}）居住于{address}，经本人申请、社区核实，"
     "截至{date}处于无业（失业）状态，未在任何单位就业。\n此证明用于{purpose}。特此证明。"),
    ("ZM05", "未婚（单身）情况说明",
     "兹证明{name}（公民身份号码：{id_number}）居住于{address}。据本人申报、社区走访了解，"
     "其目前为单身。\n本说明仅反映社区了解的情况，婚姻状况以民政部门登记为准。此证明用于{purpose}。特此证明。"),
    ("ZM06", "独生子女情况证明",
     "兹证明{name}（公民身份号码：{id_number}）居住于{address}，经社区核实，系独生子女。\n"
     "此证明用于{purpose}。特此证明。"),
    ("ZM07", "健在证明（生存状态证明）",
     "兹证明{name}（公民身份号码：{id_number}）居住于{address}，经社区工作人员核实，截至{date}本人健在。\n"
     "此证明用于{purpose}。特此证明。"),
    ("ZM08", "老年人居住情况证明",
     "兹证明{name}（公民身份号码：{id_number}）居住于{address}，系本社区老年居民，现居住情况属实。\n"
     "此证明用于{purpose}。特此证明。"),
]


def ensure_certificate_types(district) -> dict[str, CertificateType]:
    """The district's certificate types (created when missing; existing wordings are never overwritten)."""
    found = {}
    for order, (code, name, template) in enumerate(CERTIFICATE_TYPES):
        found[code] = CertificateType.objects.get_or_create(
            district=district, code=code,
            defaults={"name": name, "template": template, "sort_order": order * 10})[0]
    return found
