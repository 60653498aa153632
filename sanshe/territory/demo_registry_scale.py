"""District-scale demo residents (``seed_demo --scale district``): 1,000,000 residents in about 394,000
households, in dwellings of every building of the demo district, for ``make bench``.

Each building gets 2 units × 6 floors × 2 rooms; about 91% of the dwellings hold a household of 1–6 members
(sizes adjusted so that the district gets exactly ``RESIDENTS`` residents on a fresh database). Names are drawn
from common surnames (weighted by frequency) and given names by sex; ID numbers are valid (GB 11643 check
character, birth date and sex consistent with the resident) and unique by construction, with Sichuan area codes
that the small demo (:mod:`.demo_registry`) and the import benchmark do not use; 80% of adults have a mobile
phone; tags as in the small demo (disabled with a grade, low income with a certificate …).

Written through the bulk path (:mod:`.registry_bulk`: COPY on PostgreSQL, ``executemany`` on SQLite) with the
secondary indexes suspended and rebuilt once per table, foreign keys checked set by set on PostgreSQL when the
role may skip the per-row triggers; ID numbers and phones encrypted and blind-indexed with
:func:`sanshe.core.crypto.bulk_cipher`. ONE ``demo.seeded`` audit entry, as for the rest of the bulk demo data.

Idempotent: only buildings without any dwelling are filled; when every building has dwellings nothing is
generated (a second run adds nothing and takes a fraction of a second).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time

from django.db import connection
from django.utils import timezone

from sanshe.core import audit, crypto
from sanshe.core.masking import mask_id_number, mask_phone
from sanshe.core.validators import id_number_check_char

from . import registry_bulk as bulk
from .choices import IdType, Level, MoveKind, Occupancy, RegistrationKind, Relation, ResidentStatus
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

RESIDENTS = 1_000_000
SEED = 20261122
UNITS, FLOORS, ROOMS = ("1", "2"), 6, 2
OCCUPIED = 0.91
SIZES, SIZE_WEIGHTS = (1, 2, 3, 4, 5, 6), (20, 32, 27, 13, 6, 2)
# Sichuan area codes not used by the small demo (demo_registry.AREA_CODES) nor by the import benchmark (65…).
AREA_CODES = ("510113", "510114", "510115", "510116", "510117", "510121", "510129", "510131", "510132",
              "510181", "510182", "510183", "510184", "510185", "510301", "510402", "510502", "510603")
# Surnames by frequency (most common first): weight 1 / (rank + 4).
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志文德海永兵成东春良"
FEMALE = "芳娜敏静丽艳娟霞秀英兰玉萍红梅琳燕洁婷雪慧颖倩晶月莉佳欣怡涵萱桂凤淑珍琴云蓉丹"
ETHNICITIES = ["汉族"] * 46 + ["回族", "藏族", "彝族", "羌族"]
MOBILE = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "181", "186", "187", "189", "177",
          "199")


def _buildings_to_fill(district: Node) -> list[Node]:
    filled = set(Dwelling.objects.filter(district=district).values_list("building_id", flat=True).distinct())
    return [b for b in Node.objects.filter(district=district, level=Level.BUILDING, is_active=True)
            .order_by("code").only("id", "code", *bulk.ANCESTORS) if b.pk not in filled]


def seed(ctx, district: Node, *, residents: int = RESIDENTS, log=None) -> dict:
    """Fill the buildings of ``district`` that have no dwelling yet (once: the run's audit entry marks it
    done); returns the counts (and seconds). A small ``residents`` (tests) fills only the buildings it needs."""
    from sanshe.core.models import AuditEntry

    if AuditEntry.objects.filter(action="demo.seeded", object_type="territory.resident",
                                 object_repr=f"{district.name}: district registry").exists():
        return {}
    buildings = _buildings_to_fill(district)
    per_building = len(UNITS) * FLOORS * ROOMS * OCCUPIED * 2.5  # residents a building holds on average
    if residents * 10 < len(buildings) * per_building:  # far fewer than the buildings hold: fill only enough
        buildings = buildings[:max(1, int(residents / per_building * 1.25) + 1)]
    if not buildings:
        return {}
    started = time.perf_counter()
    data = generate(buildings, residents=residents, today=timezone.localdate())
    if log:
        log(f"generated {len(data['residents']):,} residents in {time.perf_counter() - started:.1f} s")
    counts = write(data, district=district, log=log)
    for what, key in (("dwelling", "dwellings"), ("household", "households"), ("resident", "residents"),
                      ("resident tag", "tags")):
        ctx.count("territory", what, counts[key])
    counts["seconds"] = time.perf_counter() - started
    return counts


# --- generation (pure Python, deterministic) ----------------------------------------------------------------------
def _age_bands(rng: random.Random, size: int) -> list[tuple[str, tuple[int, int]]]:
    """(relation, age range) of each member of a household of ``size``."""
    head = rng.choices([(22, 35), (35, 50), (50, 65), (65, 92)], weights=[22, 33, 27, 18])[0]
    out = [(Relation.HEAD, head)]
    if size > 1:
        child = (max(0, head[0] - 45), max(1, head[0] - 18))
        out.append((Relation.SPOUSE, head) if rng.random() < 0.85 else (Relation.CHILD, child))
    for _m in range(2, size):
        if head[0] >= 50:
            out.append(rng.choice([(Relation.CHILD, (20, 45)), (Relation.GRANDCHILD, (1, 20)),
                                   (Relation.CHILD_IN_LAW, (22, 45))]))
        else:
            out.append(rng.choice([(Relation.CHILD, (0, 22)), (Relation.CHILD, (0, 18)),
                                   (Relation.PARENT, (55, 90))]))
    return out


def generate(buildings: list[Node], *, residents: int, today: dt.date, seed: int = SEED) -> dict:
    """Plain rows (no ids, nothing encrypted yet) for the buildings, in building order."""
    rng = random.Random(seed)
    surname_weights = [1 / (rank + 4) for rank in range(len(SURNAMES))]
    surnames = rng.choices(SURNAMES, weights=surname_weights, k=4096)
    dwellings: list[tuple] = []  # (building, unit, floor, room, occupancy)
    for building in buildings:
        for unit in UNITS:
            for floor in range(1, FLOORS + 1):
                for room in range(1, ROOMS + 1):
                    dwellings.append((building, unit, floor, f"{floor}{room:02d}"))
    occupied = [i for i in range(len(dwellings)) if rng.random() < OCCUPIED]
    sizes = rng.choices(SIZES, weights=SIZE_WEIGHTS, k=len(occupied))
    diff = residents - sum(sizes)
    # never more than 6 nor fewer than 1 per household: the loop below must be able to close the gap
    diff = max(len(sizes) - sum(sizes), min(diff, SIZES[-1] * len(sizes) - sum(sizes)))
    while diff and sizes:  # exactly ``residents`` residents (a fresh database: every building)
        i = rng.randrange(len(sizes))
        if diff > 0 and sizes[i] < SIZES[-1]:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    occupancy = [Occupancy.VACANT] * len(dwellings)
    households: list[tuple] = []  # (dwelling index, number, registration kind, first resident index)
    people: list[tuple] = []  # (household index, name, sex, ethnicity, id number, birth, phone, relation, move in)
    used: set[str] = set()
    days = today.toordinal()
    for h, (d, size) in enumerate(zip(occupied, sizes, strict=True)):
        occupancy[d] = Occupancy.RENTED if rng.random() < 0.15 else Occupancy.OCCUPIED
        kind = rng.choices((RegistrationKind.REGISTERED, RegistrationKind.FLOATING, RegistrationKind.LODGING),
                           weights=(80, 15, 5))[0]
        households.append((d, f"H{h + 1:07d}", kind, len(people)))
        family = surnames[rng.randrange(4096)]
        move_in = dt.date.fromordinal(days - rng.randrange(30, 9000))
        for relation, (low, high) in _age_bands(rng, size):
            sex = "M" if rng.random() < 0.5 else "F"
            if relation == Relation.SPOUSE:
                sex = "F" if people[-1][2] == "M" else "M"
            birth = dt.date.fromordinal(days - rng.randrange(low * 365 + 1, high * 365 + 365))
            pool = MALE if sex == "M" else FEMALE
            given = pool[rng.randrange(len(pool))] + (pool[rng.randrange(len(pool))] if rng.random() < 0.7 else "")
            surname = family if relation in (Relation.HEAD, Relation.CHILD, Relation.GRANDCHILD) else \
                surnames[rng.randrange(4096)]
            while True:
                body = f"{AREA_CODES[rng.randrange(len(AREA_CODES))]}{birth:%Y%m%d}" \
                       f"{rng.randrange(500) * 2 + (1 if sex == 'M' else 0):03d}"
                if body not in used:
                    used.add(body)
                    break
            number = body + id_number_check_char(body)
            adult = (today - birth).days >= 16 * 365
            phone = (MOBILE[rng.randrange(len(MOBILE))] + f"{rng.randrange(10**8):08d}") \
                if adult and rng.random() < 0.8 else ""
            people.append((h, surname + given, sex, ETHNICITIES[rng.randrange(50)], number, birth, phone, relation,
                           max(move_in, birth)))
    tags = _tags(rng, people, today)
    return {"dwellings": dwellings, "occupancy": occupancy, "households": households, "residents": people,
            "tags": tags}


def _tags(rng: random.Random, people: list[tuple], today: dt.date) -> list[tuple]:
    """(resident index, tag code, details) as in the small demo."""
    out = []
    for i, person in enumerate(people):
        age = (today - person[5]).days // 365
        sex = person[2]
        r = rng.random
        if r() < 0.04:
            out.append((i, "disabled", {"grade": rng.choice(["一级", "二级", "三级", "四级"])}))
        if r() < 0.03:
            out.append((i, "low_income", {"certificate": f"DB{rng.randrange(10**6):06d}"}))
        if age < 16 and r() < 0.05:
            out.append((i, "left_behind_child", {}))
        if 18 <= age < 60 and r() < 0.04:
            out.append((i, "unemployed", {}))
        if 30 <= age < 80 and sex == "M" and r() < 0.04:
            out.append((i, "veteran", {}))
        if age >= 70 and r() < 0.2:
            out.append((i, "living_alone_elderly", {}))
    return out


# --- writing (bulk path) -----------------------------------------------------------------------------------------
def write(data: dict, *, district: Node, log=None) -> dict:
    """Insert the generated rows (inside the caller's transaction)."""
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    today = timezone.localdate()
    cipher = crypto.bulk_cipher()
    encrypt, index = cipher.encrypt, cipher.blind_index
    dwellings, households, people = data["dwellings"], data["households"], data["residents"]
    dwelling_ids = bulk.reserve_ids(Dwelling, len(dwellings))
    household_ids = bulk.reserve_ids(Household, len(households))
    resident_ids = bulk.reserve_ids(Resident, len(people))
    tag_types = dict(TagType.objects.values_list("code", "pk"))
    ancestors_of: dict[int, tuple] = {}
    node_since = Node.objects.order_by("-id").values_list("id", flat=True).first() or 0
    t0 = time.perf_counter()

    def step(what):
        nonlocal t0
        if log:
            log(f"{what}: {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()

    with bulk.foreign_key_triggers_skipped(bulk.BULK_MODELS, node_since=node_since):
        rows = []
        for pk, (building, unit, floor, room), occupancy in zip(dwelling_ids, dwellings, data["occupancy"],
                                                                strict=True):
            ancestors = ancestors_of.get(building.pk)
            if ancestors is None:
                ancestors = ancestors_of[building.pk] = tuple(getattr(building, f) for f in bulk.ANCESTORS)
            rows.append((pk, *ancestors, unit, floor, room, occupancy, stamp, stamp))
        with bulk.indexes_suspended(Dwelling):
            bulk.insert_rows(Dwelling, ["id", *bulk.ANCESTORS, "unit", "floor", "room", "occupancy", "created_at",
                                        "updated_at"], rows)
        step(f"dwellings × {len(rows):,}")
        rows, timeline = [], []
        for pk, (d, number, kind, first) in zip(household_ids, households, strict=True):
            rows.append((pk, *ancestors_of[dwellings[d][0].pk], number, dwelling_ids[d], kind, True, "",
                         resident_ids[first], stamp, stamp))
            timeline.append((pk, stamp, "registry.household.created", "建立户档（演示数据）", "", "", "",
                             "registry.view"))
        with bulk.indexes_suspended(Household, HouseholdTimelineEntry):
            bulk.insert_rows(Household, ["id", *bulk.ANCESTORS, "number", "dwelling_id", "registration_kind",
                                         "is_active", "note", "head_id", "created_at", "updated_at"], rows)
            bulk.insert_rows(HouseholdTimelineEntry, ["household_id", "at", "kind", "title", "object_type",
                                                      "object_id", "url", "permission"], timeline)
        step(f"households × {len(rows):,}")

        def residents():
            for pk, (h, name, sex, ethnicity, number, birth, phone, relation, move_in) in zip(
                    resident_ids, people, strict=True):
                d = households[h][0]
                moves.append((pk, MoveKind.MOVE_IN, move_in, household_ids[h], "", None, stamp))
                yield (pk, *ancestors_of[dwellings[d][0].pk], name, sex, ethnicity, IdType.ID_CARD, encrypt(number),
                       index(f"{IdType.ID_CARD}:{number}"), mask_id_number(number), birth,
                       encrypt(phone) if phone else "", index(phone) if phone else "", mask_phone(phone),
                       household_ids[h], dwelling_ids[d], relation, ResidentStatus.REGISTERED, move_in, "", stamp,
                       stamp)

        moves: list[tuple] = []
        with bulk.indexes_suspended(Resident):
            bulk.insert_rows(Resident, bulk.RESIDENT_COLUMNS, residents())
        step(f"residents × {len(people):,}")
        with bulk.indexes_suspended(ResidentMove, ResidentTag):
            bulk.insert_rows(ResidentMove, ["resident_id", "kind", "date", "to_household_id", "note", "actor_id",
                                            "recorded_at"], moves)
            valid_from = today - dt.timedelta(days=400)
            tag_rows = [(resident_ids[i], tag_types[code], *ancestors_of[dwellings[households[people[i][0]][0]][0].pk],
                         valid_from, json.dumps(details, ensure_ascii=False), stamp, stamp)
                        for i, code, details in data["tags"] if code in tag_types]
            bulk.insert_rows(ResidentTag, ["resident_id", "tag_type_id", *bulk.ANCESTORS, "valid_from", "details",
                                           "created_at", "updated_at"], tag_rows)
        step(f"moves × {len(moves):,} and tags × {len(tag_rows):,}")
    step("foreign keys checked")
    bulk._analyze(*bulk.BULK_MODELS)
    counts = {"dwellings": len(dwellings), "households": len(households), "residents": len(people),
              "tags": len(tag_rows)}
    audit.record("demo.seeded", object_type="territory.resident", object_repr=f"{district.name}: district registry",
                 message="bulk demo seeding (seed_demo --scale district): one entry for the whole registry",
                 extra=counts)
    return counts
