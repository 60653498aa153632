from .auth import (
    home,
    lockout_response,
    login_view,
    logout_view,
    otp_view,
    password_change_view,
    profile_view,
)
from .manage import (
    grant_create_view,
    grant_revoke_view,
    security_view,
    user_create_view,
    user_detail_view,
    user_edit_view,
    user_list_view,
)

__all__ = [
    "home", "lockout_response", "login_view", "logout_view", "otp_view", "password_change_view", "profile_view",
    "grant_create_view", "grant_revoke_view", "security_view", "user_create_view", "user_detail_view",
    "user_edit_view", "user_list_view",
]
