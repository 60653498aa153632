"""The navigation table: every link reverses, each role sees what it may follow, big bars fold into menus."""

import re

from django.urls import reverse

from sanshe.accounts.roles import ROLE_SPECS, Role
from sanshe.core.nav import FLAT_UP_TO, GROUPS, navigation
from sanshe.core.testing import login_as


def test_every_link_reverses_and_is_unique():
    url_names = [link.url_name for group in GROUPS for link in group.links]
    assert len(url_names) == len(set(url_names))
    for name in url_names:
        reverse(name)


def test_links_follow_the_permissions_of_each_role():
    for role, spec in ROLE_SPECS.items():
        shown = navigation(spec.permissions, None)
        held = spec.permissions
        for group in shown:
            for link in group.links:
                source = next(lk for g in GROUPS for lk in g.links if reverse(lk.url_name) == link.url)
                assert source.show(held), (role, link.url)


def test_a_busy_bar_folds_into_menus_and_a_short_one_stays_flat(world, client):
    admin = navigation(ROLE_SPECS[Role.DISTRICT_ADMIN].permissions, None)
    assert sum(len(g.links) for g in admin) > FLAT_UP_TO
    assert any(not g.inline for g in admin)
    login_as(client, world.user(Role.DISTRICT_ADMIN))
    html = client.get(reverse("servicedesk:application_list")).content.decode()
    nav = html[html.index('id="mainnav"'):html.index("</nav>")]
    assert '<details class="navgroup active">' in nav  # the menu holding the current page is marked
    assert re.search(r'<a href="/services/applications/"[^>]*class="active"', nav)

    login_as(client, world.user(Role.RESIDENT))
    html = client.get(reverse("home")).content.decode()
    nav = html[html.index('id="mainnav"'):html.index("</nav>")]
    assert "<details" not in nav
    assert reverse("gridops:event_report") in nav
