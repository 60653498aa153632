"""The standard catalogue of events and components (大类 / 小类) every district starts with, after GB/T 30428
and common Chinese grid-management catalogues. District admins edit it afterwards; ``ensure_catalogue`` only
adds what is missing (by code), so it never overwrites their edits.

Each 小类: (code, name, filing condition, closing condition, time limit, unit, is a dispute, residents may
report it).
"""

from __future__ import annotations

from django.db import transaction

from .choices import LimitUnit as U

CATALOGUE = [
    ("01", "公共设施", [
        ("0101", "井盖缺失破损", "井盖缺失、破损、移位", "井盖已补齐或修复", 4, U.URGENT_HOURS, False, True),
        ("0102", "路灯损坏", "路灯不亮、灯杆倾斜破损", "路灯恢复照明，灯杆安全", 3, U.WORKING_DAYS, False, True),
        ("0103", "健身器材损坏", "小区或广场健身器材损坏", "器材修复或拆除并设置警示", 5, U.WORKING_DAYS, False, True),
        ("0104", "消防设施缺失", "消火栓、灭火器缺失或失效", "消防设施补齐有效", 2, U.WORKING_DAYS, False, True),
    ]),
    ("02", "道路交通", [
        ("0201", "道路破损", "路面坑洼、塌陷、破损", "路面修复平整", 5, U.WORKING_DAYS, False, True),
        ("0202", "占道经营", "占用道路、人行道经营", "占道行为消除", 4, U.WORKING_HOURS, False, True),
        ("0203", "违规停车", "机动车、非机动车乱停放堵塞通道", "车辆移走，通道畅通", 2, U.WORKING_HOURS, False, True),
    ]),
    ("03", "市容环境", [
        ("0301", "垃圾堆放", "生活垃圾、建筑垃圾乱堆乱放", "垃圾清运完毕", 1, U.WORKING_DAYS, False, True),
        ("0302", "污水外溢", "污水管道堵塞、外溢", "管道疏通，污水清理", 8, U.URGENT_HOURS, False, True),
        ("0303", "乱贴乱画", "墙面、设施上小广告、涂鸦", "小广告清除", 3, U.WORKING_DAYS, False, True),
        ("0304", "噪音扰民", "施工、商铺、娱乐噪音影响居民休息", "噪音源消除或整改", 2, U.WORKING_DAYS, False, True),
    ]),
    ("04", "园林绿化", [
        ("0401", "绿地破坏", "绿地被占用、践踏、毁坏", "绿地恢复", 10, U.WORKING_DAYS, False, True),
        ("0402", "树木倒伏", "树木倒伏、断枝危及安全", "倒伏树木清理，隐患消除", 4, U.URGENT_HOURS, False, True),
    ]),
    ("05", "安全隐患", [
        ("0501", "消防通道堵塞", "楼道、消防通道堆物堵塞", "通道清理畅通", 1, U.WORKING_DAYS, False, True),
        ("0502", "电动车违规充电", "楼道内、入户违规充电", "违规充电行为消除", 1, U.WORKING_DAYS, False, True),
        ("0503", "房屋安全隐患", "墙体开裂、外墙脱落、危房", "隐患排除或设置防护", 2, U.WORKING_DAYS, False, True),
        ("0504", "燃气安全隐患", "燃气泄漏、管道老化", "隐患排除", 2, U.URGENT_HOURS, False, True),
    ]),
    ("06", "矛盾纠纷", [
        ("0601", "邻里纠纷", "邻里之间因生活琐事发生纠纷", "双方达成和解或调解协议", 15, U.NATURAL_DAYS, True, False),
        ("0602", "家庭婚姻纠纷", "家庭成员、婚姻、赡养抚养纠纷", "调解结束，双方认可", 15, U.NATURAL_DAYS, True, False),
        ("0603", "物业纠纷", "业主与物业服务企业之间的纠纷", "双方达成一致或转有关部门", 15, U.NATURAL_DAYS, True, True),
        ("0604", "劳动纠纷", "拖欠工资、劳动合同纠纷", "达成协议或转劳动仲裁", 15, U.NATURAL_DAYS, True, False),
    ]),
    ("07", "民生诉求", [
        ("0701", "困难帮扶", "困难群众生活救助诉求", "救助落实或答复", 5, U.WORKING_DAYS, False, True),
        ("0702", "养老服务", "老年人照料、助餐、助医诉求", "服务落实或答复", 5, U.WORKING_DAYS, False, True),
        ("0703", "物业服务", "电梯、供水、保洁等物业服务诉求", "问题解决或答复", 3, U.WORKING_DAYS, False, True),
        ("0704", "政策咨询", "社保、户籍、救助等政策咨询", "答复到位", 2, U.WORKING_DAYS, False, True),
    ]),
]


def ensure_catalogue() -> int:
    """Create every 大类 and 小类 of :data:`CATALOGUE` that does not exist yet (by code); returns the count."""
    from .models import EventCategory

    created = 0
    with transaction.atomic():
        existing = set(EventCategory.objects.values_list("code", flat=True))
        for order, (code, name, children) in enumerate(CATALOGUE, start=1):
            major = EventCategory.objects.filter(code=code).first()
            if major is None:
                major = EventCategory.objects.create(code=code, name=name, sort_order=order * 10, time_limit=None)
                created += 1
            for sub_order, (sub_code, sub_name, filing, closing, limit, unit, dispute, public) in enumerate(
                    children, start=1):
                if sub_code in existing:
                    continue
                EventCategory.objects.create(
                    parent=major, code=sub_code, name=sub_name, filing_condition=filing, closing_condition=closing,
                    time_limit=limit, time_limit_unit=unit, is_dispute=dispute, public=public,
                    sort_order=order * 10 + sub_order,
                    attributes=[{"code": "floor", "datatype": "number", "required": False,
                                 "description": "楼层", "order": 1}] if sub_code in ("0501", "0502", "0503") else [],
                )
                created += 1
    return created
