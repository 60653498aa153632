"""Moving a territory node carries every ScopedRow of any app with it (their ancestor columns are derived)."""

from sanshe.accounts.roles import Role
from sanshe.societies.choices import Track
from sanshe.societies.models import Organization
from sanshe.territory import services as territory_services


def test_moving_a_community_to_another_street_moves_its_rows(world):
    community, other_street = world.nodes["C1"], world.nodes["S2"]
    org = Organization(name="和平社区书画协会", track=Track.FILED, filing_number="BA-001")
    org.copy_ancestors_from(community)
    org.save()
    elsewhere = Organization(name="团结社区舞蹈队", track=Track.FILED, filing_number="BA-002")
    elsewhere.copy_ancestors_from(world.nodes["C2"])
    elsewhere.save()

    territory_services.move_node(community, new_parent=other_street, actor=world.user(Role.SYSTEM_ADMIN))

    org.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (org.street_id, org.community_id) == (other_street.pk, community.pk)
    assert elsewhere.street_id == world.nodes["S1"].pk
