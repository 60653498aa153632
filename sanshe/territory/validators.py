"""Validation of territory codes and GeoJSON geometries."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import Level

GEOMETRY_TYPES = {"Point", "Polygon", "MultiPolygon"}


def validate_code(level: str, code: str, parent_code: str | None) -> None:
    """Check a node's code against its level and its parent's code (see :class:`territory.models.Node`)."""
    if not code.isdigit() or not code.isascii():
        raise ValidationError(_("A code is made of digits only."))
    if level == Level.DISTRICT:
        if len(code) != 6:
            raise ValidationError(_("A district code has 6 digits."))
        return
    if level == Level.STREET:
        if len(code) != 12 or not code.endswith("000"):
            raise ValidationError(_("A street code has 12 digits and ends in 000."))
        if parent_code and not code.startswith(parent_code[:6]):
            raise ValidationError(
                _("A street code starts with its district's code %(code)s.") % {"code": parent_code[:6]}
            )
        return
    if level == Level.COMMUNITY:
        if len(code) != 12 or code.endswith("000"):
            raise ValidationError(_("A community code has 12 digits and does not end in 000."))
        if parent_code and not code.startswith(parent_code[:9]):
            raise ValidationError(
                _("A community code starts with its street's first nine digits %(code)s.")
                % {"code": parent_code[:9]}
            )
        return
    if parent_code is None or len(code) != len(parent_code) + 3 or not code.startswith(parent_code):
        raise ValidationError(
            _("This code must be the parent's code %(code)s followed by three digits.") % {"code": parent_code}
        )


def _is_position(value) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) in (2, 3)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _is_ring(value) -> bool:
    return isinstance(value, list) and len(value) >= 4 and all(_is_position(p) for p in value) and (
        list(value[0]) == list(value[-1])
    )


def validate_geometry(geometry) -> dict | None:
    """Accept a GeoJSON geometry (or a Feature wrapping one); return the bare geometry."""
    if geometry in (None, "", {}):
        return None
    if not isinstance(geometry, dict):
        raise ValidationError(_("The geometry must be a GeoJSON object."))
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
        if not isinstance(geometry, dict):
            raise ValidationError(_("The GeoJSON feature has no geometry."))
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in GEOMETRY_TYPES:
        raise ValidationError(_("The geometry must be a Point, a Polygon or a MultiPolygon."))
    ok = (
        (kind == "Point" and _is_position(coords))
        or (kind == "Polygon" and isinstance(coords, list) and coords and all(_is_ring(r) for r in coords))
        or (
            kind == "MultiPolygon"
            and isinstance(coords, list)
            and coords
            and all(isinstance(p, list) and p and all(_is_ring(r) for r in p) for p in coords)
        )
    )
    if not ok:
        raise ValidationError(_("The geometry's coordinates are not valid (longitude, latitude; closed rings)."))
    return {"type": kind, "coordinates": coords}
