"""Open311 GeoReport v2 at ``/open311/v2/`` (the spec: ``/work/shared/reference/open311-georeport-v2.md``).

Every resource in ``.xml`` and ``.json``; errors as the spec's ``<errors>`` document (or JSON array) with
403 for a missing or wrong ``api_key``, 404 for what does not exist, 400 for anything else — never a 500
(an unexpected failure is logged and answered as the spec's "400 general service error").

``jurisdiction_id`` is a district's 6-digit code; it may be omitted while the installation serves a single
district. Reads need no key; POST needs the ``api_key`` of a client application
(``manage.py open311_key create NAME --district CODE``), valid for its own district only. Error descriptions
follow the request's language (``Accept-Language``; Chinese by default, English on request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from functools import wraps
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from ..models import EventCategory
from . import serializers as s
from .render import FORMATS, MIME_TYPES, Open311Error, render, render_error
from .services import KeyReused, client_for_key, event_for_token, open311_data_for, submit_request

log = logging.getLogger(__name__)

MAX_REQUESTS = 1000  # "Default query limit is a span of 90 days or first 1000 requests returned"
MAX_SPAN = dt.timedelta(days=90)
MAX_DESCRIPTION = 4000
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._~-]{1,60}")


# --- plumbing ------------------------------------------------------------------------------------------------
def open311_view(*methods: str):
    """An Open311 resource: allowed methods, the format from the URL, errors as the spec's error documents."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, fmt: str = "xml", **kwargs):
            allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
            try:
                if request.method not in allowed:
                    raise Open311Error(400, _("%(method)s is not supported here; use %(allowed)s.") % {
                        "method": request.method, "allowed": " or ".join(methods)})
                response = view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                response = render_error(fmt, error)
            except Http404:
                response = render_error(fmt, Open311Error(404, _("Not found.")))
            except Exception:  # the spec's "400 general service error"; logged, never a 500 page
                log.exception("Open311 %s %s failed", request.method, request.path)
                response = render_error(fmt, Open311Error(
                    400, _("General service error: the request could not be processed. Please tell us.")))
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapped

    return decorate


def _param(request, name: str) -> str:
    """A parameter from the form body (POST) or the query string; empty counts as absent (the spec's
    "Optional Arguments")."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value in (None, ""):
        value = request.GET.get(name, "")
    return (value or "").strip()


def _list_param(request, name: str) -> list[str]:
    """A parameter that "can be declared multiple times, comma delimited"."""
    values = []
    for raw in request.GET.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return list(dict.fromkeys(values))


def jurisdiction(request) -> Node:
    """The district named by ``jurisdiction_id`` (its code); optional while only one district is served."""
    code = _param(request, "jurisdiction_id")
    districts = Node.objects.filter(level=Level.DISTRICT, is_active=True)
    if code:
        district = districts.filter(code=code).first()
        if district is None:
            raise Open311Error(404, _("jurisdiction_id %(code)s was not found.") % {"code": code[:40]})
        return district
    served = list(districts[:2])
    if len(served) == 1:
        return served[0]
    if not served:
        raise Open311Error(404, _("This server serves no jurisdiction yet."))
    raise Open311Error(400, _("jurisdiction_id was not provided: this server serves several districts; "
                              "give the district code."))


# --- discovery and services ----------------------------------------------------------------------------------
@open311_view("GET")
def discovery(request, fmt):
    from django.conf import settings
    from django.db.models import Max

    changed = EventCategory.objects.aggregate(at=Max("updated_at"))["at"] or timezone.now()
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    changeset = s.w3c(changed)
    document = {
        "changeset": changeset,
        "contact": getattr(settings, "SANSHE_OPEN311_CONTACT", "") or _(
            "Grid governance office of the district (社区治理云)."),
        "key_service": getattr(settings, "SANSHE_OPEN311_KEY_SERVICE", "") or _(
            "API keys for posting service requests are issued by the district administrator."),
        "endpoints": [{
            "specification": s.SPECIFICATION,
            "url": url,
            "changeset": changeset,
            "type": "production",
            "formats": [MIME_TYPES[f] for f in FORMATS],
        }],
    }
    return render(fmt, "discovery", document)


@open311_view("GET")
def services(request, fmt):
    jurisdiction(request)
    return render(fmt, "services", [s.service_dict(c) for c in s.public_services()])


def _service(code: str) -> EventCategory:
    category = s.public_services().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:40]})
    return category


@open311_view("GET")
def service_definition(request, fmt, service_code):
    jurisdiction(request)
    return render(fmt, "service_definition", s.definition_dict(_service(service_code)))


# --- requests ------------------------------------------------------------------------------------------------
@open311_view("GET", "POST")
def requests_view(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    district = jurisdiction(request)
    events = s.request_queryset(district)
    ids = _list_param(request, "service_request_id")
    if ids:  # "This overrides all other arguments."
        events = events.filter(number__in=ids[:MAX_REQUESTS])
    else:
        errors = []
        codes = _list_param(request, "service_code")
        if codes:
            events = events.filter(category__code__in=codes)
        statuses = _list_param(request, "status")
        unknown = [v for v in statuses if v not in ("open", "closed")]
        if unknown:
            errors.append(_("status must be open or closed (comma delimited), not %(value)s.") % {
                "value": ", ".join(unknown)[:60]})
        elif set(statuses) == {"open"}:
            events = events.exclude(s.CLOSED_Q)
        elif set(statuses) == {"closed"}:
            events = events.filter(s.CLOSED_Q)
        dates = {}
        for name in ("start_date", "end_date"):
            raw = _param(request, name)
            if raw:
                try:
                    dates[name] = s.parse_w3c(raw)
                except ValueError:
                    errors.append(_("%(name)s must be a W3C datetime with its timezone, e.g. "
                                    "2010-01-01T00:00:00Z.") % {"name": name})
        if errors:
            raise Open311Error(400, *errors)
        start, end = dates.get("start_date"), dates.get("end_date")
        if start and end:
            if end < start:
                raise Open311Error(400, _("end_date is before start_date."))
            if end - start > MAX_SPAN:
                raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        elif start:
            end = start + MAX_SPAN
        elif end:
            start = end - MAX_SPAN
        else:
            end = timezone.now()
            start = end - MAX_SPAN
        events = events.filter(reported_at__gte=start, reported_at__lte=end)
    found = list(events.order_by("-reported_at", "-id")[:MAX_REQUESTS])
    extras = open311_data_for(found)
    return render(fmt, "service_requests", [s.request_dict(e, extras.get(e.pk)) for e in found])


@open311_view("GET")
def request_detail(request, fmt, service_request_id):
    district = jurisdiction(request)
    event = s.request_queryset(district).filter(number=service_request_id).first()
    if event is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": service_request_id[:40]})
    extras = open311_data_for([event])
    return render(fmt, "service_requests", [s.request_dict(event, extras.get(event.pk))])


@open311_view("GET")
def token(request, fmt, token):
    district = jurisdiction(request)
    event = event_for_token(token)
    if event is None or not s.request_queryset(district).filter(pk=event.pk).exists():
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token[:70]})
    return render(fmt, "service_requests", [{"service_request_id": event.number, "token": token}])


@csrf_exempt
def invalid(request, rest: str = ""):
    """Any other URL below /open311/v2/: the root leads to the discovery document; a known resource without a
    supported format is a 400 (the spec's "URL request is invalid"), anything else a 404."""
    if rest == "" and request.method in ("GET", "HEAD"):
        return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "xml"}))
    fmt = "json" if rest.endswith(".json") else "xml"
    base = re.split(r"[./]", rest, maxsplit=1)[0]
    if base in ("discovery", "services", "requests", "tokens"):
        error = Open311Error(400, _("The URL request is invalid: append .xml or .json to the resource, e.g. "
                                    "services.xml."))
    else:
        error = Open311Error(404, _("There is no such Open311 resource."))
    return render_error(fmt, error)


# --- POST Service Request ------------------------------------------------------------------------------------
_ATTRIBUTE = re.compile(r"attribute\[([^\]]+)\](\[\])?")
_FIELD_TO_PARAM = {"reporter_phone": "phone", "latitude": "lat", "longitude": "long", "category": "service_code",
                   "node": "address_id", "description": "description", "household": "address_id"}


def _attribute_answers(request) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for name, values in request.POST.lists():
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            answers.setdefault(match.group(1), []).extend(v.strip() for v in values if v.strip())
    return answers


def _check_attributes(category, answers: dict[str, list[str]]) -> tuple[dict, list[str], list[str]]:
    """Validate ``attribute[code]`` answers against the service definition: (answers to keep, lines for the
    event's description, errors)."""
    errors, kept, lines = [], {}, []
    definition = {a["code"]: a for a in s.service_attributes(category)}
    for code in answers:
        if code not in definition or not definition[code]["variable"]:
            errors.append(_("attribute[%(code)s] is not an attribute of service %(service)s.") % {
                "code": code[:40], "service": category.code})
    for code, attribute in definition.items():
        if not attribute["variable"]:
            continue
        values = answers.get(code, [])
        label = attribute["description"] or code
        if not values:
            if attribute["required"]:
                errors.append(_("attribute[%(code)s] is required.") % {"code": code})
            continue
        datatype = attribute["datatype"]
        if datatype != "multivaluelist" and len(values) > 1:
            errors.append(_("attribute[%(code)s] takes one value.") % {"code": code})
            continue
        bad = _("attribute[%(code)s] has an invalid value for its datatype %(datatype)s.") % {
            "code": code, "datatype": datatype}
        if datatype in s.LIST_TYPES:
            names = {v["key"]: v["name"] for v in attribute.get("values", [])}
            unknown = [v for v in values if v not in names]
            if unknown:
                errors.append(_("attribute[%(code)s]: %(values)s is not one of its values.") % {
                    "code": code, "values": ", ".join(unknown)[:80]})
                continue
            values = list(dict.fromkeys(values))
            kept[code] = values if datatype == "multivaluelist" else values[0]
            lines.append(f"{label}: {'、'.join(names[v] for v in values)}")
            continue
        value = values[0]
        try:
            if datatype == "number":
                value = str(s.parse_decimal(value))
            elif datatype == "datetime":
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            elif datatype == "string" and ("\n" in value or "\r" in value or len(value) > 500):
                raise ValueError(value)
            elif datatype == "text" and len(value) > MAX_DESCRIPTION:
                raise ValueError(value)
        except ValueError:
            errors.append(bad)
            continue
        kept[code] = value
        lines.append(f"{label}: {value}")
    return kept, lines, errors


def _fingerprint(request) -> str:
    data = sorted((k, sorted(v)) for k, v in request.POST.lists() if k != "api_key")
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _post_request(request, fmt):
    client = client_for_key(_param(request, "api_key"))
    if client is None:
        raise Open311Error(403, _("Missing or invalid api_key: can't proceed with create_request."))
    district = jurisdiction(request)
    if district.pk != client.district_id:
        raise Open311Error(403, _("This api_key is not valid for jurisdiction %(code)s.") % {"code": district.code})
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    category = _service(code)

    errors = []
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors.append(_("The Idempotency-Key header must be 1 to 60 letters, digits or . _ ~ -."))
    lat, lng = _param(request, "lat"), _param(request, "long")
    address, address_id = _param(request, "address_string"), _param(request, "address_id")
    latitude = longitude = node = None
    if bool(lat) != bool(lng):
        errors.append(_("lat and long must both be sent."))
    elif lat:
        try:
            latitude, longitude = s.parse_decimal(lat), s.parse_decimal(lng)
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError(lat)
        except ValueError:
            errors.append(_("lat and long must be WGS84 decimal degrees."))
    if address_id:
        node = Node.objects.filter(code=address_id, district=district, is_active=True).first()
        if node is None:
            errors.append(_("address_id %(id)s is not a place of this jurisdiction.") % {"id": address_id[:40]})
    if not (lat or lng or address or address_id):
        errors.append(_("A location is required: lat and long, or address_string, or address_id."))
    if len(address) > 255:
        errors.append(_("address_string may have at most 255 characters."))
    description = (request.POST.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append(_("description may have at most 4,000 characters."))
    media_url = _param(request, "media_url")
    if media_url and (len(media_url) > 500 or urlsplit(media_url).scheme not in ("http", "https")
                      or not urlsplit(media_url).netloc):
        errors.append(_("media_url must be an http or https URL."))
    first, last = _param(request, "first_name"), _param(request, "last_name")
    cjk = re.search(r"[\u3400-\u9fff]", first + last)
    name = (f"{last}{first}" if cjk else " ".join(p for p in (first, last) if p))[:50]
    account_id = _param(request, "account_id")[:100]
    answers, lines, attribute_errors = _check_attributes(category, _attribute_answers(request))
    errors.extend(attribute_errors)
    if errors:
        raise Open311Error(400, *errors)

    text = "\n".join(p for p in (description or category.name, "\n".join(lines)) if p)
    extras = {k: v for k, v in (("media_url", media_url), ("attributes", answers), ("account_id", account_id)) if v}
    try:
        submission = submit_request(
            client=client, district=district, category=category, description=text, idempotency_key=key,
            fingerprint=_fingerprint(request), latitude=latitude, longitude=longitude, address=address, node=node,
            reporter_name=name, reporter_phone=_param(request, "phone"), extras=extras)
    except KeyReused:
        raise Open311Error(400, _("This Idempotency-Key was already used for a different request.")) from None
    except ValidationError as exc:
        raise Open311Error(400, *_validation_errors(exc)) from None
    headers = {"X-Open311-Token": submission.token}
    if not submission.created:
        headers["Idempotent-Replayed"] = "true"
    body = [{"service_request_id": submission.event.number, "service_notice": s.service_notice(category),
             "account_id": account_id}]
    return render(fmt, "service_requests", body, headers=headers)


def _validation_errors(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [f"{_FIELD_TO_PARAM.get(field, field)}: {message}"
            for field, messages in exc.message_dict.items() for message in messages]
