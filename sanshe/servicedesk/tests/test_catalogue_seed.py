import pytest

from sanshe.gridops.choices import UnitKind
from sanshe.gridops.models import HandlingUnit
from sanshe.servicedesk.catalogue_seed import CATEGORIES, DEPARTMENTS, ensure_catalogue
from sanshe.servicedesk.choices import Channel
from sanshe.servicedesk.models import ItemMaterial, ServiceCategory, ServiceItem

pytestmark = pytest.mark.django_db


def test_catalogue_has_62_items_of_14_departments_in_5_categories(world):
    district = world.nodes["D1"]
    items = ensure_catalogue(district)
    assert len(items) == 62
    assert ServiceItem.objects.filter(district=district).count() == 62
    assert len({i.department_id for i in items.values()}) == 14
    assert len({i.category_id for i in items.values()}) == 5
    assert DEPARTMENTS[0] == "人力资源和社会保障局" and len(DEPARTMENTS) == 14
    units = HandlingUnit.objects.filter(node=district, name__in=DEPARTMENTS)
    assert units.count() == 14
    assert set(units.values_list("kind", flat=True)) == {UnitKind.DISTRICT_DEPT}
    assert set(units.values_list("district_id", flat=True)) == {district.pk}
    assert ServiceCategory.objects.filter(code__in=[c for c, _n in CATEGORIES]).count() == 5


def test_every_item_is_complete(world):
    items = ensure_catalogue(world.nodes["D1"])
    for item in items.values():
        materials = list(item.materials.all())
        assert 2 <= len(materials) <= 5, item.name
        assert len({m.name for m in materials}) == len(materials), item.name
        assert item.description and item.eligibility, item.name
        assert 1 <= item.time_limit_days <= 30, item.name
        assert item.channel in Channel.values and item.fee >= 0
    limits = [i.time_limit_days for i in items.values()]
    assert 1 in limits and max(limits) == 30  # 即办件 and the longest (低保, 30 working days)
    assert ItemMaterial.objects.filter(item__district=world.nodes["D1"], required=False).exists()
    assert sum(1 for i in items.values() if i.fee) >= 1 and sum(1 for i in items.values() if not i.fee) >= 55
    assert items["SD0201"].name == "最低生活保障申请" and items["SD0201"].department.name == "民政局"


def test_ensure_catalogue_is_idempotent_and_keeps_edits(world):
    district = world.nodes["D1"]
    first = ensure_catalogue(district)
    item = first["SD0101"]
    item.name = "就业创业证申领（改）"
    item.save()
    item.materials.first().delete()
    counts = (ServiceItem.objects.count(), ItemMaterial.objects.count(), HandlingUnit.objects.count(),
              ServiceCategory.objects.count())
    second = ensure_catalogue(district)
    assert set(second) == set(first)
    assert (ServiceItem.objects.count(), ItemMaterial.objects.count(), HandlingUnit.objects.count(),
            ServiceCategory.objects.count()) == counts
    assert second["SD0101"].name == "就业创业证申领（改）"
    assert {i.pk for i in second.values()} == {i.pk for i in first.values()}


def test_two_districts_share_the_categories(world):
    a = ensure_catalogue(world.nodes["D1"])
    b = ensure_catalogue(world.nodes["D2"])
    assert ServiceCategory.objects.filter(code__startswith="SD").count() == 5
    assert a["SD0101"].category_id == b["SD0101"].category_id
    assert a["SD0101"].department_id != b["SD0101"].department_id
    assert b["SD0101"].department.district_id == world.nodes["D2"].pk
