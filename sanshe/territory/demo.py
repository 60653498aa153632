"""Demo territory: the fictional 锦华区 (district code 510197, not a real code) around 104.10 E, 30.67 N.

Two shapes, chosen with ``manage.py seed_demo --scale``:

``demo`` (default)
    3 streets (街道) × 2 communities (社区) × 4 grids (网格), 3 compounds (小区/院落) per grid and 4 buildings
    (楼栋) per compound: 394 nodes, each created through the territory service's insert (one audit entry each).
``district``
    the shape of Chenghua in seed 000: 14 streets, 108 communities, about 1,500 grids, with the same compounds
    and buildings per grid (about 24,000 nodes), for ``make bench``. Bulk inserted, see :func:`_bulk_insert`.

The district shape is a superset of the demo shape: the nodes both have get the same codes and names, so either
scale can be seeded after the other and only what is missing is added (the boundaries are laid out for the scale
asked for, so a database seeded at both scales has overlapping ones: use a fresh one for benchmarks). Nodes are
matched by code, so running the seeding twice creates nothing the second time.

Codes follow :class:`sanshe.territory.models.Node`: district 6 digits, street ``510197`` + 3 digits + ``000``,
community the street's first nine digits + 3 digits, grid/compound/building the parent's code + 3 digits.
Boundaries are GeoJSON rectangles nested inside their parent's; buildings are points.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F

from sanshe.core import audit
from sanshe.territory import services as territory_services
from sanshe.territory.choices import LEVEL_ORDER, Level
from sanshe.territory.models import Node
from sanshe.territory.validators import validate_geometry

DISTRICT_CODE = "510197"
DISTRICT_NAME = "锦华区"
# lon_min, lat_min, lon_max, lat_max: about 15 km × 13 km around 104.10 E, 30.67 N.
DISTRICT_BOX = (104.02, 30.61, 104.18, 30.73)

STREETS = [
    "锦华街道", "青荷街道", "望川街道", "桂馨街道", "玉泉街道", "双梧街道", "翠竹街道",
    "丰乐街道", "长乐街道", "和兴街道", "新川街道", "荷塘街道", "锦屏街道", "安宁街道",
]
COMMUNITY_STEMS = (
    "和平 团结 幸福 光明 友谊 兴盛 嘉禾 文苑 桂园 芳草 锦绣 青松 翠柏 梧桐 玉兰 海棠 紫薇 丁香 长青 永丰 "
    "新华 红星 东升 朝阳 晨光 育才 书香 康乐 怡和 安康 福源 瑞祥 吉庆 泰和 宏达 同心 民乐 润泽 清泉 绿洲 "
    "花溪 荷花 竹林 杏林 枫林 栖霞 望月 星辰 金桥 银河 龙湾 凤鸣 麒麟 府河 沙河 东湖 南苑 北辰 西岭 中和 "
    "永宁 长兴 富民 利民 惠民 水井 石桥 槐树 柳荫 桃源 梅林 兰亭 菊园 春晖 秋实 丰收 如意 祥和 和谐 振兴 "
    "前锋 红光 胜利 曙光 黎明 华阳 白鹭 金沙 玉带 云锦 蜀锦 天府 芙蓉 锦官 浣花 百花 万福 千秋 迎晖 新桥 "
    "建新 光华 新鸿 跳伞 双林 八里 驷马 青龙 圣灯 猛追"
).split()
COMPOUND_STEMS = (
    "锦苑 桂华 翠庭 和园 嘉园 怡景 阳光 金色 碧水 蓝湾 绿苑 康桥 东篱 南湖 北城 西园 雅居 丽景 馨苑 瑞府 "
    "华庭 书香 锦城 芙蓉 银杏 香樟 紫荆 枫丹 栖园 润园"
).split()
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "苑", "公寓", "新村"]
ROADS = ["建设路", "府青路", "东风路", "双林路", "一环路", "二环路", "新华大道", "望川路", "青荷路", "锦华路"]
NUMERALS = "一二三四五六七八九十"

COMPOUNDS_PER_GRID = 3
BUILDINGS_PER_COMPOUND = 4


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (enough for grid numbers)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")


@dataclass(frozen=True)
class Shape:
    """How much of the district shape to build: the first ``streets`` streets, the first ``max_communities``
    communities of each and the first ``max_grids`` grids of each community (None: all of them)."""

    streets: int
    max_communities: int | None
    max_grids: int | None


SHAPES = {
    "demo": Shape(streets=3, max_communities=2, max_grids=4),
    "district": Shape(streets=len(STREETS), max_communities=None, max_grids=None),
}


def district_communities(street: int) -> int:
    """Communities of street ``street`` (1-based) in the district shape: 10 × 8 + 4 × 7 = 108."""
    return 8 if street <= 10 else 7


def district_grids(community_index: int) -> int:
    """Grids of the ``community_index``-th community (0-based, district-wide): 12–16, about 14 on average."""
    return 12 + (community_index * 3) % 5


@dataclass(frozen=True)
class NodeSpec:
    level: str
    code: str
    name: str
    parent_code: str | None
    geometry: dict | None


def _layout(box, n: int, i: int, *, inset: float = 0.06, cols: int | None = None):
    """The ``i``-th of ``n`` cells of ``box``, in a grid of cells as square as the box allows (in metres) or of
    ``cols`` columns, shrunk by ``inset`` on each side."""
    x0, y0, x1, y1 = box
    aspect = (x1 - x0) * math.cos(math.radians((y0 + y1) / 2)) / (y1 - y0)
    cols = cols or max(1, min(n, round(math.sqrt(n * aspect))))
    rows = math.ceil(n / cols)
    w, h = (x1 - x0) / cols, (y1 - y0) / rows
    c, r = i % cols, i // cols
    cx0, cy1 = x0 + c * w, y1 - r * h
    return (cx0 + w * inset, cy1 - h + h * inset, cx0 + w - w * inset, cy1 - h * inset)


def _polygon(box) -> dict:
    x0, y0, x1, y1 = (round(v, 6) for v in box)
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _point(box) -> dict:
    return {"type": "Point", "coordinates": [round((box[0] + box[2]) / 2, 6), round((box[1] + box[3]) / 2, 6)]}


def _compound_name(grid_serial: int, k: int) -> str:
    h = grid_serial * COMPOUNDS_PER_GRID + k
    if k == COMPOUNDS_PER_GRID - 1:  # one old courtyard (院落) per grid
        return f"{ROADS[h % len(ROADS)]}{(h * 7) % 180 + 2}号院"
    stem = COMPOUND_STEMS[h % len(COMPOUND_STEMS)]
    return stem + COMPOUND_SUFFIXES[(h // len(COMPOUND_STEMS)) % len(COMPOUND_SUFFIXES)]


def plan(scale: str = "demo") -> Iterator[NodeSpec]:
    """Every node of the demo territory at ``scale``, parents before children."""
    shape = SHAPES[scale]
    yield NodeSpec(Level.DISTRICT, DISTRICT_CODE, DISTRICT_NAME, None, _polygon(DISTRICT_BOX))
    community_index = 0  # district-wide, in the district shape, so names and sizes never depend on the scale
    for s in range(1, len(STREETS) + 1):
        n_communities = district_communities(s)
        if s <= shape.streets:
            s_box = _layout(DISTRICT_BOX, shape.streets, s - 1, inset=0.03)
            street_code = f"{DISTRICT_CODE}{s:03d}000"
            yield NodeSpec(Level.STREET, street_code, STREETS[s - 1], DISTRICT_CODE, _polygon(s_box))
        for c in range(1, n_communities + 1):
            stem = COMMUNITY_STEMS[community_index]
            n_grids = district_grids(community_index)
            community_index += 1
            if s > shape.streets or (shape.max_communities and c > shape.max_communities):
                continue
            c_box = _layout(s_box, min(n_communities, shape.max_communities or n_communities), c - 1, inset=0.04)
            community_code = f"{street_code[:9]}{c:03d}"
            yield NodeSpec(Level.COMMUNITY, community_code, f"{stem}社区", street_code, _polygon(c_box))
            for g in range(1, n_grids + 1):
                if shape.max_grids and g > shape.max_grids:
                    break
                g_box = _layout(c_box, min(n_grids, shape.max_grids or n_grids), g - 1, inset=0.05)
                grid_code = f"{community_code}{g:03d}"
                yield NodeSpec(Level.GRID, grid_code, f"{stem}第{chinese_number(g)}网格", community_code,
                               _polygon(g_box))
                grid_serial = (community_index - 1) * 20 + g
                for k in range(COMPOUNDS_PER_GRID):
                    p_box = _layout(g_box, COMPOUNDS_PER_GRID, k, inset=0.08)
                    compound_code = f"{grid_code}{k + 1:03d}"
                    yield NodeSpec(Level.COMPOUND, compound_code, _compound_name(grid_serial, k), grid_code,
                                   _polygon(p_box))
                    for b in range(BUILDINGS_PER_COMPOUND):
                        b_box = _layout(p_box, BUILDINGS_PER_COMPOUND, b, inset=0.3, cols=2)
                        yield NodeSpec(Level.BUILDING, f"{compound_code}{b + 1:03d}", f"{b + 1}栋", compound_code,
                                       _point(b_box))


_ANCESTOR_FIELDS = ["id", "level", "code", "is_active", *[f"{level}_id" for level in LEVEL_ORDER]]


def _existing() -> dict[str, Node]:
    """The demo district's nodes already in the database, by code (with ancestor ids only)."""
    return {n.code: n for n in Node.objects.filter(code__startswith=DISTRICT_CODE).only(*_ANCESTOR_FIELDS)}


def seed(ctx) -> None:
    """Create whatever part of the demo territory at ``ctx.scale`` is missing; fill ``ctx.nodes``."""
    specs = list(plan(ctx.scale))
    nodes = _existing()
    missing = [spec for spec in specs if spec.code not in nodes]
    if ctx.scale == "district":
        _bulk_insert(missing, nodes, ctx)
    else:
        for spec in missing:
            # The service's own insert (ancestor columns + one audit entry per node), without an actor:
            # seeding runs from the server's shell, like bootstrap_district.
            node = territory_services._insert(
                level=spec.level, parent=nodes[spec.parent_code] if spec.parent_code else None, name=spec.name,
                code=spec.code, geometry=validate_geometry(spec.geometry), actor=None,
            )
            nodes[spec.code] = node
            ctx.count("territory", spec.level)
    first = {
        "district": DISTRICT_CODE,
        "street": f"{DISTRICT_CODE}001000",
        "street_2": f"{DISTRICT_CODE}002000",
        "community": f"{DISTRICT_CODE}001001",
        "community_2": f"{DISTRICT_CODE}001002",
        "grid": f"{DISTRICT_CODE}001001001",
        "grid_2": f"{DISTRICT_CODE}001001002",
        "compound": f"{DISTRICT_CODE}001001001001",
        "building": f"{DISTRICT_CODE}001001001001001",
    }
    for key, code in first.items():
        ctx.nodes[key] = Node.objects.get(code=code)
    if ctx.scale == "demo":
        from . import demo_registry

        demo_registry.seed(ctx, ctx.nodes["district"])
    else:  # 1,000,000 residents in the buildings that have no dwelling yet
        from . import demo_registry_scale

        if getattr(ctx, "residents", None) is None:
            demo_registry_scale.seed(ctx, ctx.nodes["district"])
        else:
            demo_registry_scale.seed(ctx, ctx.nodes["district"], residents=ctx.residents)


def _bulk_insert(missing: list[NodeSpec], nodes: dict[str, Node], ctx) -> None:
    """Insert tens of thousands of nodes quickly, level by level.

    Creating ~24,000 nodes one by one through the service (one audit entry each) takes far too long for a
    benchmark set-up, so this path uses ``bulk_create`` and then writes ONE summary audit entry per level
    (``demo.seeded``, with the count) instead of one per node. That is acceptable for demo/benchmark data only:
    ``seed_demo`` refuses to run under production settings.
    """
    for level in LEVEL_ORDER:
        batch = [spec for spec in missing if spec.level == level]
        if not batch:
            continue
        if level == Level.DISTRICT:  # one node: the ordinary audited insert
            spec = batch[0]
            nodes[spec.code] = territory_services._insert(
                level=level, parent=None, name=spec.name, code=spec.code, geometry=spec.geometry, actor=None
            )
            ctx.count("territory", level)
            continue
        objs = []
        for spec in batch:
            parent = nodes[spec.parent_code]
            node = Node(level=level, parent_id=parent.pk, code=spec.code, name=spec.name, geometry=spec.geometry)
            for upper in LEVEL_ORDER[: LEVEL_ORDER.index(parent.level) + 1]:
                setattr(node, f"{upper}_id", getattr(parent, f"{upper}_id"))
            objs.append(node)
        Node.objects.bulk_create(objs, batch_size=2000)
        # The node's own level column points to itself (see Node): one UPDATE for the whole level.
        Node.objects.filter(level=level, code__startswith=DISTRICT_CODE, **{f"{level}__isnull": True}).update(
            **{level: F("pk")}
        )
        if level != Level.BUILDING:  # buildings are nobody's parent
            fresh = Node.objects.filter(level=level, code__startswith=DISTRICT_CODE).only(*_ANCESTOR_FIELDS)
            nodes.update({n.code: n for n in fresh})
        audit.record(
            "demo.seeded", object_type="territory.node", object_repr=f"{DISTRICT_NAME} {level} × {len(objs)}",
            message="bulk demo seeding (seed_demo --scale district): one entry for the whole level",
            extra={"level": level, "created": len(objs), "district": DISTRICT_CODE},
        )
        ctx.count("territory", level, len(objs))
