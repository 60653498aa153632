from django.contrib.auth.backends import BaseBackend

from .models import User


class SansheBackend(BaseBackend):
    """User name and password against the argon2 hash; inactive accounts cannot log in.

    Permissions do not come from here: they come from role grants (see ``accounts.roles``).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check, so timing does not reveal names
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id, is_active=True).first()
        return user
