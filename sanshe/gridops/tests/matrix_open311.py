"""Permission matrix entries: Open311 GeoReport v2 (see ``sanshe.core.matrix``).

Open311 is public by the spec: every resource answers anonymous callers and staff sessions alike, and a
session grants nothing — POST ``requests`` needs a client application's ``api_key`` and answers 403 (the
spec's "Missing or Invalid API Key") to everyone without one, logged-in district admins included. The test
world serves two districts, so ``jurisdiction_id`` is given (without it: 400, see ``test_open311.py``).
GET ``requests`` is covered there too (one matrix entry per URL name: the POST is the one with a rule).
"""

from sanshe.core.matrix import PUBLIC, UrlCase

JURISDICTION = {"jurisdiction_id": "510199"}


def open311_event(world):
    """One service request posted by an Open311 client of district 510199 (made once per world)."""
    from sanshe.gridops.models import Open311Client
    from sanshe.gridops.open311.services import create_client, submit_request
    from sanshe.gridops.testing import ensure_gridops

    cache = world.__dict__.setdefault("_open311", {})
    if "event" not in cache:
        ensure_gridops(world)
        client = Open311Client.objects.filter(name="matrix").first() or create_client(
            name="matrix", district=world.nodes["D1"])[0]
        submission = submit_request(client=client, district=world.nodes["D1"], category=world.categories["0301"],
                                    description="路口垃圾堆放", idempotency_key="matrix-1", fingerprint="matrix",
                                    latitude="30.65", longitude="104.06")
        cache["event"], cache["token"] = submission.event, submission.token
    return cache


def with_catalogue(world, kwargs: dict) -> dict:
    from sanshe.gridops.testing import ensure_gridops

    ensure_gridops(world)
    return kwargs


MATRIX = {
    "open311:discovery": UrlCase(PUBLIC, kwargs=lambda w, r, i: {"fmt": "xml"}, scoped=False),
    "open311:services": UrlCase(PUBLIC, kwargs=lambda w, r, i: {"fmt": "json"}, data=JURISDICTION, scoped=False),
    "open311:service_definition": UrlCase(
        PUBLIC, kwargs=lambda w, r, i: with_catalogue(w, {"fmt": "xml", "service_code": "0501"}), data=JURISDICTION,
        scoped=False),
    "open311:requests": UrlCase(
        PUBLIC, kwargs=lambda w, r, i: {"fmt": "xml"}, method="POST", ok=(403,), scoped=False,
        data={**JURISDICTION, "service_code": "0301", "lat": "30.65", "long": "104.06"},
        note="POST without api_key: 403 for every caller, a staff session grants nothing"),
    "open311:request": UrlCase(
        PUBLIC, kwargs=lambda w, r, i: {"fmt": "json", "service_request_id": open311_event(w)["event"].number},
        data=JURISDICTION, scoped=False),
    "open311:token": UrlCase(
        PUBLIC, kwargs=lambda w, r, i: {"fmt": "xml", "token": open311_event(w)["token"]}, data=JURISDICTION,
        scoped=False),
    "open311:invalid": UrlCase(PUBLIC, kwargs=lambda w, r, i: {"rest": "nothing.xml"}, ok=(404,), scoped=False,
                               note="any other path: the spec's error document"),
}
