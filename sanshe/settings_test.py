"""Test settings: the same as production-like development settings, with a fast hasher and local tasks."""

import os

os.environ.setdefault("SANSHE_ENV", "development")

from .settings import *  # noqa: E402,F403
from .settings import DATABASES  # noqa: E402

# Argon2 is what runs everywhere else (see test_security); tests hash thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "zh-hans"
