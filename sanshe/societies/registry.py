"""Small derived facts of the registry: the organization type a credit code gives (GB 32100, DOMAIN §10)."""

from django.utils.translation import gettext as _

from sanshe.core.validators import CIVIL_AFFAIRS_KINDS

from .choices import Track


def org_type_label(org) -> str:
    """社会团体 / 民办非企业单位 / 基金会 / 其他 for civil-affairs codes (5x…); 社区社会组织 for filed ones."""
    if org.track == Track.FILED:
        return _("Community social organization (filed)")
    code = (org.credit_code or "").upper()
    if len(code) == 18 and code[0] == "5":
        return str(CIVIL_AFFAIRS_KINDS.get(code[1], _("Other")))
    return _("Other") if code else ""
