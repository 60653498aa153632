"""Demo accounts for the demo district (see :mod:`sanshe.territory.demo`), all with the password ``sanshe-demo``.

The three platform administrators get a TOTP device with a FIXED secret derived from their user name, printed
by ``seed_demo`` and usable with ``manage.py totp_code USERNAME`` — development only: ``seed_demo`` and
``totp_code`` both refuse to run under production settings.

Idempotent: accounts, grants and devices that exist are left alone.
"""

from __future__ import annotations

import base64
import hashlib

from django.db import transaction

from sanshe.core import audit

from .models import User
from .roles import ADMIN_ROLES, Role
from .services import bootstrap_account

DEMO_PASSWORD = "sanshe-demo"
TOTP_DEVICE_NAME = "demo"

# (user name, role, key into ctx.nodes, full name). The first eight are the documented demo accounts.
ACCOUNTS = [
    ("district_admin", Role.DISTRICT_ADMIN, "district", "王建国"),
    ("street_official", Role.STREET_OFFICIAL, "street", "李秀英"),
    ("community_worker", Role.COMMUNITY_WORKER, "community", "张丽华"),
    ("grid_worker", Role.GRID_WORKER, "grid", "刘强"),
    ("grid_worker_2", Role.GRID_WORKER, "grid_2", "陈静"),
    ("system_admin", Role.SYSTEM_ADMIN, "district", "杨帆"),
    ("security_admin", Role.SECURITY_ADMIN, "district", "赵敏"),
    ("audit_admin", Role.AUDIT_ADMIN, "district", "黄志明"),
    # The rest of the grid chain (网格指导员 · 网格长 · 居民小组长 · 楼栋长) and a supervisory committee member.
    ("grid_instructor", Role.GRID_INSTRUCTOR, "grid", "周建华"),
    ("grid_leader", Role.GRID_LEADER, "grid", "吴桂兰"),
    ("group_leader", Role.GROUP_LEADER, "compound", "郑文"),
    ("building_leader", Role.BUILDING_LEADER, "building", "孙淑珍"),
    ("supervisor", Role.SUPERVISOR, "community", "马德顺"),
    # Grid governance: staff of 锦华街道城管科 (the street department of grid_worker's street; made a member of
    # that handling unit by sanshe.gridops.demo_events) and a resident of grid 1 who reports and rates.
    ("handler", Role.HANDLER, "street", "何志刚"),
    ("resident", Role.RESIDENT, "grid", "林秀英"),
    # Service cloud: a window clerk of community 1's service station, and the service staff of the district's
    # 人力资源和社会保障局 (made a member of that department by sanshe.servicedesk.demo).
    ("window_clerk", Role.WINDOW_CLERK, "community", "冯晓燕"),
    ("dept_handler", Role.DEPT_HANDLER, "district", "邓国强"),
    # 五单法 and the hotline: community 1's party secretary, a 12343 operator of the district, and the staff of a
    # social organization that takes orders (a provider of the demo's provider directory).
    ("party_secretary", Role.PARTY_SECRETARY, "community", "罗建军"),
    ("hotline_operator", Role.HOTLINE_OPERATOR, "district", "谢婷"),
    ("social_org", Role.SOCIAL_ORG, "street", "陈晓梅"),
    # The three societies' people: a social worker of community 1 (employed by a social work agency, linked by
    # sanshe.socialwork's demo) and a volunteer of community 1 (sanshe.volunteers' demo).
    ("social_worker", Role.SOCIAL_WORKER, "community", "杨慧"),
    ("volunteer", Role.VOLUNTEER, "community", "许志远"),
]


def totp_secret(username: str) -> bytes:
    """The fixed demo TOTP key of ``username`` (20 bytes). Development data only."""
    return hashlib.sha1(f"sanshe-demo-totp:{username}".encode()).digest()


def totp_secret_b32(username: str) -> str:
    """The same key as an authenticator app wants it typed in (base32, no padding)."""
    return base64.b32encode(totp_secret(username)).decode().rstrip("=")


def _ensure_totp(user: User, ctx) -> str:
    """Give ``user`` a confirmed TOTP device with the fixed demo secret unless he has one; return its secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        with transaction.atomic():
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME,
                                               key=totp_secret(user.username).hex(), confirmed=True)
            audit.record("security.totp.confirmed", obj=user, message="demo seeding: fixed development secret")
        ctx.count("accounts", "totp device")
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def seed(ctx) -> None:
    """Create the demo accounts with their grants (and TOTP devices for the administrators)."""
    for username, role, node_key, full_name in ACCOUNTS:
        node = ctx.nodes[node_key]
        existed = User.objects.filter(username=username).exists()
        user = bootstrap_account(username=username, password=DEMO_PASSWORD, role=role, node=node,
                                 full_name=full_name)
        if not existed:
            ctx.count("accounts", "user")
        secret = ""
        if role in ADMIN_ROLES:
            secret = _ensure_totp(user, ctx)
        ctx.accounts.append({
            "username": username, "role": str(role), "node": node.name, "full_name": full_name,
            "password": DEMO_PASSWORD, "totp_secret": secret,
        })
