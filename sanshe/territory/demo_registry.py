"""Demo residents for the demo district: about 2,000 residents in 800 households, with tags.

Called by ``territory.demo.seed`` after the territory exists. Idempotent: when the demo district already has
residents, nothing is added. Names, ID numbers (valid GB 11643 check characters) and phones are fictional and
generated from a fixed seed, so every demo database looks the same.

Demo rows are inserted in bulk (encryption, blind indexes and masks computed as the services do) with ONE
``demo.seeded`` audit entry, not one per resident: they are fixture data, not anybody's work.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from sanshe.core import audit, crypto
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.validators import id_number_check_char

from .choices import Level, MoveKind, Occupancy, RegistrationKind, Relation, ResidentStatus
from .models import (
    Dwelling,
    Household,
    HouseholdTimelineEntry,
    Node,
    Resident,
    ResidentMove,
    ResidentTag,
    TagType,
)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏飞建国建华志强海燕丹凤俊文斌浩宇欣怡"
         "子涵梓萱一诺雨桐宇轩浩然婷婷晓明春梅国庆淑珍德华金凤玉珍丽华永红建平秀珍桂芝")
ETHNICITIES = ["汉族"] * 46 + ["回族", "藏族", "彝族", "羌族"]
AREA_CODES = ["510108", "510104", "510105", "510106", "510107", "510112", "511304", "500101", "420106", "610113"]
HOUSEHOLDS = 800
DEMO_SEED = 20261121


def _id_number(rng: random.Random, birth: dt.date, sex: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
    body = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{seq:03d}"
    return body + id_number_check_char(body)


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "135", "150", "152", "158", "181", "186", "189", "177"]) + f"{rng.randrange(10**8):08d}"


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given[:2]


def _birth(rng: random.Random, min_age: int, max_age: int, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(min_age * 365, max_age * 365))


def seed(ctx, district: Node) -> None:
    if Resident.objects.filter(district=district).exists():
        return
    rng = random.Random(DEMO_SEED)
    today = timezone.localdate()
    buildings = list(Node.objects.filter(district=district, level=Level.BUILDING, is_active=True).order_by("code"))
    if not buildings:
        return
    # Six buildings of every community (grid 1 first), each 2 units × 6 floors × 2 rooms; ~92% occupied.
    by_community: dict[int, list[Node]] = {}
    for building in buildings:
        by_community.setdefault(building.community_id, []).append(building)
    chosen = [b for group in by_community.values() for b in group[:6]]
    dwellings: list[Dwelling] = []
    for building in chosen:
        for unit in ("1", "2"):
            for floor in range(1, 7):
                for room_no in (1, 2):
                    dwelling = Dwelling(building=building, unit=unit, floor=floor, room=f"{floor}{room_no:02d}",
                                        occupancy=Occupancy.OCCUPIED)
                    dwelling.copy_ancestors_from(building)
                    dwellings.append(dwelling)
    rng.shuffle(dwellings)
    for dwelling in dwellings[HOUSEHOLDS:]:
        dwelling.occupancy = Occupancy.VACANT
    for dwelling in dwellings[:HOUSEHOLDS]:
        if rng.random() < 0.15:
            dwelling.occupancy = Occupancy.RENTED
    Dwelling.objects.bulk_create(dwellings, batch_size=500)
    dwellings = list(Dwelling.objects.filter(district=district).order_by("id"))

    households = []
    numbers: dict[int, int] = {}
    occupied = [d for d in dwellings if d.occupancy != Occupancy.VACANT]
    for dwelling in occupied:
        numbers[dwelling.community_id] = numbers.get(dwelling.community_id, 0) + 1
        kind = rng.choices(list(RegistrationKind), weights=[80, 15, 5])[0]
        household = Household(number=f"H{numbers[dwelling.community_id]:04d}", dwelling=dwelling,
                              registration_kind=kind)
        household.copy_ancestors_from(dwelling.building)
        households.append(household)
    Household.objects.bulk_create(households, batch_size=500)
    households = list(Household.objects.filter(district=district).select_related("dwelling").order_by("id"))

    residents: list[Resident] = []
    seen: set[str] = set()
    for household in households:
        size = rng.choices([1, 2, 3, 4, 5], weights=[15, 30, 30, 18, 7])[0]
        head_age = rng.choice([(28, 45), (45, 60), (60, 90)])
        for m in range(size):
            if m == 0:
                relation, ages = Relation.HEAD, head_age
            elif m == 1:
                relation, ages = Relation.SPOUSE, head_age
            elif head_age[0] >= 60:
                relation, ages = Relation.CHILD, (25, 45)
            else:
                relation, ages = rng.choice([(Relation.CHILD, (1, 20)), (Relation.PARENT, (60, 88))])
            sex = rng.choice("MF")
            birth = _birth(rng, *ages, today)
            number = _id_number(rng, birth, sex)
            if number in seen:
                continue
            seen.add(number)
            phone = _phone(rng) if ages[0] >= 16 and rng.random() < 0.85 else ""
            resident = Resident(
                name=_name(rng), sex=sex, ethnicity=rng.choice(ETHNICITIES), id_number=number,
                id_number_index=crypto.blind_index(f"id_card:{number}"), id_number_masked=mask_id_number(number),
                birth_date=birth, phone=phone, phone_index=crypto.blind_index(phone) if phone else "",
                phone_masked=mask_phone(phone), household=household, dwelling=household.dwelling,
                relation=relation, status=ResidentStatus.REGISTERED,
                move_in_date=today - dt.timedelta(days=rng.randrange(30, 8000)),
            )
            resident.copy_ancestors_from(household)
            residents.append(resident)
    Resident.objects.bulk_create(residents, batch_size=500)
    residents = list(Resident.objects.filter(district=district).order_by("id"))
    heads = {r.household_id: r.pk for r in residents if r.relation == Relation.HEAD}
    for household in households:
        household.head_id = heads.get(household.pk)
    Household.objects.bulk_update(households, ["head"], batch_size=500)

    ResidentMove.objects.bulk_create(
        [ResidentMove(resident=r, kind=MoveKind.MOVE_IN, date=r.move_in_date, to_household_id=r.household_id)
         for r in residents], batch_size=500)
    now = timezone.now()
    HouseholdTimelineEntry.objects.bulk_create(
        [HouseholdTimelineEntry(household=h, at=now, kind="registry.household.created", title="建立户档（演示数据）")
         for h in households], batch_size=500)

    tag_types = {t.code: t for t in TagType.objects.all()}
    tags = []
    for r in residents:
        age = (today - r.birth_date).days // 365
        picks = []
        if rng.random() < 0.04:
            picks.append(("disabled", {"grade": rng.choice(["一级", "二级", "三级", "四级"])}))
        if rng.random() < 0.03:
            picks.append(("low_income", {"certificate": f"DB{rng.randrange(10**6):06d}"}))
        if age < 16 and rng.random() < 0.05:
            picks.append(("left_behind_child", {}))
        if 18 <= age < 60 and rng.random() < 0.04:
            picks.append(("unemployed", {}))
        if 30 <= age < 80 and r.sex == "M" and rng.random() < 0.04:
            picks.append(("veteran", {}))
        if age >= 70 and rng.random() < 0.2:
            picks.append(("living_alone_elderly", {}))
        for code, details in picks:
            if code in tag_types:
                tag = ResidentTag(resident=r, tag_type=tag_types[code], valid_from=today - dt.timedelta(days=400),
                                  details=details)
                tag.copy_ancestors_from(r)
                tags.append(tag)
    ResidentTag.objects.bulk_create(tags, batch_size=500)

    audit.record("demo.seeded", object_type="territory.resident", object_repr=f"{district.name}: registry",
                 message="demo registry", extra={"dwellings": len(dwellings), "households": len(households),
                                                 "residents": len(residents), "tags": len(tags)})
    ctx.count("territory", "dwelling", len(dwellings))
    ctx.count("territory", "household", len(households))
    ctx.count("territory", "resident", len(residents))
    ctx.count("territory", "resident tag", len(tags))
