"""Masking of personal data for screens, exports and the audit log."""


def mask_id_number(value: str | None) -> str:
    """``110105199001011234`` → ``110105********1234``."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; landlines keep the area code and last four digits."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * (len(value) - 4) + value[-4:]


def mask_secret(value) -> str:
    return "******" if value else ""


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "secret": mask_secret}
