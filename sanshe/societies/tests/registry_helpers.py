"""Helpers of the registry tests: valid credit codes, residents and resident units made in bulk."""

from __future__ import annotations

from sanshe.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from sanshe.territory.choices import ResidentStatus
from sanshe.territory.models import Resident, ResidentUnit


def credit_code(n: int, kind: str = "1") -> str:
    """A valid civil-affairs credit code (5 + ``kind`` …) numbered ``n``."""
    body = f"5{kind}510199MJ"
    digits = ""
    value = n
    for _i in range(17 - len(body)):
        digits = CREDIT_CODE_ALPHABET[value % 31] + digits
        value //= 31
    first17 = body + digits
    return first17 + credit_code_check_char(first17)


def residents(node, count: int, *, prefix: str = "居民", status=ResidentStatus.REGISTERED) -> list[Resident]:
    rows = []
    for i in range(count):
        r = Resident(name=f"{prefix}{i}", status=status)
        r.copy_ancestors_from(node)
        rows.append(r)
    Resident.objects.bulk_create(rows, batch_size=500)
    return list(Resident.objects.filter(name__startswith=prefix, community_id=node.community_id).order_by("pk"))


def units(node, count: int, prefix: str = "单位") -> list[ResidentUnit]:
    rows = []
    for i in range(count):
        u = ResidentUnit(name=f"{prefix}{i}", node=node)
        u.copy_ancestors_from(node)
        rows.append(u)
    ResidentUnit.objects.bulk_create(rows, batch_size=500)
    return list(ResidentUnit.objects.filter(name__startswith=prefix, node=node).order_by("pk"))
