"""District-scale demo residents (seed_demo --scale district) and the large-load helpers of the bulk path."""

import pytest
from django.db import IntegrityError, connection, transaction

from sanshe.core import crypto
from sanshe.core.validators import validate_id_number
from sanshe.territory import demo_registry_scale, registry_bulk
from sanshe.territory.choices import Level, Relation
from sanshe.territory.models import Dwelling, Household, Node, Resident, ResidentMove, ResidentTag
from sanshe.territory.tests.test_registry_search import household_at


class Ctx:
    def __init__(self):
        self.counts = {}

    def count(self, app, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n


@pytest.mark.django_db
def test_district_scale_residents_small(world):
    district = world.nodes["D1"]
    buildings = Node.objects.filter(district=district, level=Level.BUILDING).count()
    assert buildings
    ctx = Ctx()
    counts = demo_registry_scale.seed(ctx, district, residents=30 * buildings)
    assert counts["residents"] == 30 * buildings == Resident.objects.filter(district=district).count()
    assert counts["dwellings"] == 24 * buildings == Dwelling.objects.filter(district=district).count()
    assert Household.objects.filter(district=district).count() == counts["households"]
    residents = list(Resident.objects.filter(district=district))
    numbers = [r.id_number for r in residents]
    assert len(set(numbers)) == len(numbers)
    for r in residents[:200]:
        identity = validate_id_number(r.id_number)
        assert identity.birth_date == r.birth_date and identity.sex == r.sex
        assert r.id_number_index == crypto.blind_index(f"id_card:{r.id_number}")
        assert (r.phone_index == crypto.blind_index(r.phone)) if r.phone else r.phone_index == ""
        assert r.community_id and r.grid_id and r.building_id and r.dwelling_id and r.household_id
        assert 2 <= len(r.name) <= 3
    heads = Household.objects.filter(district=district, head__isnull=True).count()
    assert heads == 0
    assert all(h.head.relation == Relation.HEAD for h in Household.objects.filter(district=district)[:50])
    assert ResidentMove.objects.filter(resident__district=district).count() == len(residents)
    assert ResidentTag.objects.filter(district=district).exists()
    # idempotent: nothing to add the second time
    assert demo_registry_scale.seed(Ctx(), district, residents=30 * buildings) == {}
    assert Resident.objects.filter(district=district).count() == 30 * buildings


@pytest.mark.django_db
def test_indexes_suspended_and_rebuilt(world):
    def indexes():
        with connection.cursor() as cursor:
            return {i["columns"][0] if len(i["columns"]) == 1 else tuple(i["columns"])
                    for i in connection.introspection.get_constraints(cursor, "territory_resident").values()
                    if i["index"]}

    before = indexes()
    with transaction.atomic(), registry_bulk.indexes_suspended(Resident) as suspended:
        assert suspended > 5
        assert len(indexes()) < len(before)
    assert indexes() == before


@pytest.mark.django_db(transaction=True)
def test_large_load_foreign_keys_checked(world):
    """A dangling reference written while the per-row triggers are skipped is caught by the set check."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    household = household_at(world, "B1")
    with pytest.raises(IntegrityError), transaction.atomic():
        with registry_bulk.foreign_key_triggers_skipped() as skipped:
            if not skipped:
                raise IntegrityError("the role cannot skip triggers: the ordinary triggers check instead")
            with connection.cursor() as cursor:
                cursor.execute("UPDATE territory_household SET dwelling_id = 987654321 WHERE id = %s", [household.pk])
    household.refresh_from_db()
    assert household.dwelling_id != 987654321
