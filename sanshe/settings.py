"""Sanshe settings, driven by the environment.

Defaults give a zero-setup demo on the embedded SQLite under ``var/``. Production is switched on with
``SANSHE_ENV=production``: DEBUG off, secure cookies, HSTS, and the secrets must come from the environment.

Environment variables:
    SANSHE_ENV                 ``development`` (default) or ``production``
    SANSHE_SECRET_KEY          Django secret key (required in production)
    SANSHE_FIELD_KEY           base64 key for field encryption and blind indexes (required in production)
    DATABASE_URL               e.g. ``postgres://user@127.0.0.1:5432/sanshe``; default SQLite ``var/sanshe.sqlite3``
    SANSHE_ALLOWED_HOSTS       comma-separated host names
    SANSHE_CSRF_TRUSTED_ORIGINS comma-separated origins
    SANSHE_PASSWORD_MIN_LENGTH minimum password length (default 8)
    SANSHE_PASSWORD_MIN_CLASSES how many of the 4 character classes a password needs (default 3)
    SANSHE_LOCKOUT_FAILURES    failed logins before lockout (default 5)
    SANSHE_LOCKOUT_MINUTES     lockout length in minutes (default 15)
    SANSHE_IDLE_TIMEOUT_MINUTES  idle session timeout (default 30)
    SANSHE_ABSOLUTE_TIMEOUT_HOURS absolute session lifetime (default 12)
    SANSHE_TILE_URL            map tile URL template (empty: no base map, works offline)
    SANSHE_AUDIT_EXPORT_MAX_ROWS  most rows one audit export may hold (default 100000)
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SANSHE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SANSHE_ENV = os.environ.get("SANSHE_ENV", "development")
PRODUCTION = SANSHE_ENV == "production"

DEBUG = env_bool("SANSHE_DEBUG", not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = os.environ["SANSHE_SECRET_KEY"]
    SANSHE_FIELD_KEY = os.environ["SANSHE_FIELD_KEY"]
else:
    # Development keys: fixed so that a demo database keeps working across restarts. Never used in production.
    SECRET_KEY = os.environ.get(
        "SANSHE_SECRET_KEY", "dev-only-insecure-5b1f0e3c9a7d4e2f8c6b0a1d3e5f7a9c-sanshe-demo-key-not-for-production"
    )
    SANSHE_FIELD_KEY = os.environ.get("SANSHE_FIELD_KEY", "ZGV2LW9ubHktZmllbGQta2V5LXNhbnNoZS1kZW1vLTAwMDA=")

ALLOWED_HOSTS = env_list("SANSHE_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("SANSHE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "sanshe.core",
    "sanshe.accounts",
    "sanshe.territory",
    "sanshe.gridops",
    "sanshe.servicedesk",
    "sanshe.societies",
    "sanshe.socialwork",
    "sanshe.volunteers",
    "sanshe.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sanshe.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",  # before SessionSecurityMiddleware, which adds messages
    "sanshe.accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sanshe.core.middleware.DenialAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sanshe.urls"
WSGI_APPLICATION = "sanshe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sanshe" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "sanshe.core.context_processors.sanshe",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'sanshe.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if "DATABASE_URL" not in os.environ:
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database lives there
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login security -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sanshe.accounts.backends.SansheBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
SANSHE_PASSWORD_MIN_LENGTH = env_int("SANSHE_PASSWORD_MIN_LENGTH", 8)
SANSHE_PASSWORD_MIN_CLASSES = env_int("SANSHE_PASSWORD_MIN_CLASSES", 3)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": SANSHE_PASSWORD_MIN_LENGTH},
    },
    {
        "NAME": "sanshe.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": SANSHE_PASSWORD_MIN_CLASSES},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock the account (by user name) after N failures for M minutes.
AXES_FAILURE_LIMIT = env_int("SANSHE_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SANSHE_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sanshe.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Sessions: idle timeout via a rolling cookie, absolute timeout checked by SessionSecurityMiddleware.
SANSHE_IDLE_TIMEOUT = timedelta(minutes=env_int("SANSHE_IDLE_TIMEOUT_MINUTES", 30))
SANSHE_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SANSHE_ABSOLUTE_TIMEOUT_HOURS", 12))
SESSION_COOKIE_AGE = int(SANSHE_IDLE_TIMEOUT.total_seconds())
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
OTP_TOTP_ISSUER = "Sanshe 三社"

# --- Security headers ------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SANSHE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SANSHE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

SANSHE_TILE_URL = os.environ.get("SANSHE_TILE_URL", "")
_tile_hosts = []
if SANSHE_TILE_URL:
    from urllib.parse import urlsplit

    _parts = urlsplit(SANSHE_TILE_URL.replace("{s}", "a"))
    _tile_hosts = [f"{_parts.scheme}://{_parts.netloc.replace('a.', '*.', 1) if '{s}' in SANSHE_TILE_URL else _parts.netloc}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_tile_hosts],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation --------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sanshe" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: our own under sanshe/static, vendor assets from node_modules (installed by `make`) ----------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "sanshe" / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES / "leaflet.markercluster" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

SANSHE_AUDIT_EXPORT_MAX_ROWS = env_int("SANSHE_AUDIT_EXPORT_MAX_ROWS", 100_000)

# --- Background tasks ------------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Enqueued by each running worker when due (task path → seconds): overdue events escalate one level up.
SANSHE_PERIODIC_TASKS = {
    "sanshe.gridops.tasks.escalate_overdue_events": env_int("SANSHE_ESCALATION_SECONDS", 300),
    # Volunteers who forgot to check out: their records close at the activity's end, marked as closed by rule.
    "sanshe.volunteers.tasks_activities.close_forgotten_checkouts": env_int("SANSHE_VOLUNTEER_CHECKOUT_SECONDS", 900),
}
SANSHE_WORKER_STALE_SECONDS = 60

# --- API -------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sanshe.accounts.authentication.ApiTokenAuthentication",
        "sanshe.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sanshe.api.permissions.HasRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "sanshe.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sanshe.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sanshe API",
    "DESCRIPTION": "三社联动社区治理平台 API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set (several apps have a "state", "kind", "level" …).
    "ENUM_NAME_OVERRIDES": {
        "EventStateEnum": "sanshe.gridops.choices.EventState",
        "ApplicationStateEnum": "sanshe.servicedesk.choices.ApplicationState",
        "ApplicationActionEnum": "sanshe.servicedesk.choices.Action",
        "ServiceChannelEnum": "sanshe.servicedesk.choices.Channel",
        "MaterialStatusEnum": "sanshe.servicedesk.choices.MaterialStatus",
        "ServiceRatingEnum": "sanshe.servicedesk.choices.Rating",
        "AppointmentStateEnum": "sanshe.servicedesk.choices.AppointmentState",
        "SocietyTrackEnum": "sanshe.societies.choices.Track",
        "SocietyServiceFieldEnum": "sanshe.societies.choices.ServiceField",
        "SocietyStatusEnum": "sanshe.societies.choices.OrgStatus",
        "SocietyMemberKindEnum": "sanshe.societies.choices.MemberKind",
        "SocietyEvalLevelEnum": "sanshe.societies.choices.EvalLevel",
        "SocialWorkCertificateLevelEnum": "sanshe.socialwork.choices_workers.CertificateLevel",
        "SocialWorkTrainingKindEnum": "sanshe.socialwork.choices_workers.TrainingKind",
        "SocialCaseStateEnum": "sanshe.socialwork.choices_practice.CaseState",
        "SocialCaseKindEnum": "sanshe.socialwork.choices_practice.CaseKind",
        "SocialCaseOutcomeEnum": "sanshe.socialwork.choices_practice.CaseOutcome",
        "ReferralSourceEnum": "sanshe.socialwork.choices_practice.ReferralSource",
        "CaseSessionMethodEnum": "sanshe.socialwork.choices_practice.SessionMethod",
        "PracticeGroupKindEnum": "sanshe.socialwork.choices_practice.GroupKind",
        "PracticeActivityMethodEnum": "sanshe.socialwork.choices_practice.ActivityMethod",
        "VolunteerRecordStateEnum": "sanshe.volunteers.choices.RecordState",
        "VolunteerRecordSourceEnum": "sanshe.volunteers.choices.RecordSource",
        "VolunteerSignUpStateEnum": "sanshe.volunteers.choices.SignUpState",
        "NeedKindEnum": "sanshe.servicedesk.choices_orders.NeedKind",
        "NeedSourceEnum": "sanshe.servicedesk.choices_orders.NeedSource",
        "NeedStateEnum": "sanshe.servicedesk.choices_orders.NeedState",
        "FundSourceEnum": "sanshe.servicedesk.choices_orders.FundSource",
        "OfferModeEnum": "sanshe.servicedesk.choices_orders.OfferMode",
        "OrderStateEnum": "sanshe.servicedesk.choices_orders.OrderState",
        "OrderActionEnum": "sanshe.servicedesk.choices_orders.OrderAction",
        "CallCategoryEnum": "sanshe.servicedesk.choices_hotline.CallCategory",
        "CallStateEnum": "sanshe.servicedesk.choices_hotline.CallState",
        "CallActionEnum": "sanshe.servicedesk.choices_hotline.CallAction",
        "HandOffEnum": "sanshe.servicedesk.choices_hotline.HandOff",
        "MessageKindEnum": "sanshe.servicedesk.choices_hotline.MessageKind",
        "MessageStateEnum": "sanshe.servicedesk.choices_hotline.MessageState",
        "WorkKindEnum": "sanshe.servicedesk.choices_admission.TaskKind",
        "TaskFrequencyEnum": "sanshe.servicedesk.choices_admission.Frequency",
        "TaskStateEnum": "sanshe.servicedesk.choices_admission.TaskState",
        "TaskActionEnum": "sanshe.servicedesk.choices_admission.TaskAction",
        "AssignmentStateEnum": "sanshe.servicedesk.choices_admission.AssignmentState",
        "RefusalReasonEnum": "sanshe.servicedesk.choices_admission.RefusalReason",
        "EventActionEnum": "sanshe.gridops.choices.Action",
        "EventSourceEnum": "sanshe.gridops.choices.Source",
        "TimeLimitUnitEnum": "sanshe.gridops.choices.LimitUnit",
        "HandlingUnitKindEnum": "sanshe.gridops.choices.UnitKind",
        "RatingEnum": "sanshe.gridops.choices.Rating",
        "EscalationLevelEnum": "sanshe.gridops.choices.EscalationLevel",
        "ExtensionStateEnum": "sanshe.gridops.choices.ExtensionState",
        "DisputeKindEnum": "sanshe.gridops.models.disputes.DisputeKind",
        "RiskLevelEnum": "sanshe.gridops.models.disputes.RiskLevel",
        "DisputeStateEnum": "sanshe.gridops.models.disputes.DisputeState",
        "SettledLevelEnum": "sanshe.gridops.models.disputes.SettledLevel",
        "PartyRoleEnum": "sanshe.gridops.models.disputes.PartyRole",
        "SessionResultEnum": "sanshe.gridops.models.disputes.SessionResult",
        "DisputeActionEnum": "sanshe.gridops.models.disputes.DisputeAction",
        "AttachmentKindEnum": "sanshe.gridops.models.disputes.AttachmentKind",
        "TerritoryLevelEnum": "sanshe.territory.choices.Level",
        "ResidentUnitKindEnum": "sanshe.territory.choices.UnitKind",
        "MoveKindEnum": "sanshe.territory.choices.MoveKind",
        "RoleEnum": "sanshe.accounts.roles.Role",
    },
}

# --- Logging ---------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "sanshe": {"level": "INFO"},
        "django_tasks": {"level": "INFO"},
        "django_tasks_db": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# Where SMS and other notifications go; later issues plug real backends in here.
SANSHE_SMS_BACKEND = os.environ.get("SANSHE_SMS_BACKEND", "sanshe.core.sms.LoggingBackend")

# We lock accounts by user name only: district offices share one public IP behind NAT, and locking that IP
# after five failures would lock out a whole street office. Spraying across names is caught by the audit log.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
