"""Open311 GeoReport v2: every resource in XML and JSON (the two must say the same thing under the Spark
convention), every error the spec lists, idempotent POST, tokens, the filters of GET requests, the status
mapping, and the privacy rule (no reporter's name, phone or e-mail in any answer).

Error descriptions are translated (Chinese by default): tests assert codes, statuses and data, not wording.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sanshe.gridops.choices import Action, EventState, Source
from sanshe.gridops.models import Event, EventCategory, Open311Client
from sanshe.gridops.open311 import views as open311_views
from sanshe.gridops.open311.render import LIST_ITEMS
from sanshe.gridops.open311.serializers import parse_w3c, scrub
from sanshe.gridops.open311.services import create_client
from sanshe.gridops.services import report_event, transition
from sanshe.gridops.testing import report
from sanshe.territory.models import Node

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
D1 = {"jurisdiction_id": "510199"}
NAME, PHONE, EMAIL = "欧阳秀兰", "13987654321", "xiulan@example.com"
SQUARE_G1 = {"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.1, 30.0], [104.1, 30.1], [104.0, 30.1],
                                                  [104.0, 30.0]]]}


# --- helpers -------------------------------------------------------------------------------------------------
def spark(element):
    """XML → the Spark-convention structure (what the JSON must be)."""
    children = list(element)
    if element.tag in LIST_ITEMS:
        return [spark(child) for child in children]
    if children:
        return {child.tag: spark(child) for child in children}
    return element.text


def textual(value):
    """JSON with its scalars as XML text (true/false, numbers as written, null as None)."""
    if isinstance(value, dict):
        return {k: textual(v) for k, v in value.items()}
    if isinstance(value, list):
        return [textual(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def parse(response):
    if response["Content-Type"].startswith("application/json"):
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content.decode("utf-8"))
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    return ET.fromstring(response.content)


def both(client, path: str, params=None, *, method="get", status=200, headers=None):
    """Request ``path`` as .xml and .json; both must have ``status`` and the same content. Returns the JSON."""
    answers = {}
    for fmt in ("xml", "json"):
        call = getattr(client, method)
        response = call(f"{BASE}/{path}.{fmt}", params or {}, **(headers or {}))
        assert response.status_code == status, (fmt, response.status_code, response.content.decode()[:500])
        answers[fmt] = parse(response)
    assert spark(answers["xml"]) == textual(answers["json"])
    return answers["json"]


def error_codes(data) -> list:
    assert isinstance(data, list) and data and all(set(e) == {"code", "description"} and e["description"]
                                                   for e in data)
    return [e["code"] for e in data]


@pytest.fixture
def o3(gworld):
    """The grid-governance world, an Open311 client of district 510199 and its key; grid G1 has a boundary."""
    w = gworld
    w.o311_client, w.o311_key = create_client(name="蓉e办", district=w.nodes["D1"])
    Node.objects.filter(pk=w.nodes["G1"].pk).update(geometry=SQUARE_G1)
    return w


def post(client, w, fmt="json", key=None, idem=None, **fields):
    data = {"api_key": w.o311_key if key is None else key, **D1, "service_code": "0301", "lat": "30.05",
            "long": "104.05", **fields}
    data = {k: v for k, v in data.items() if v is not None}
    headers = {"HTTP_IDEMPOTENCY_KEY": idem} if idem else {}
    return client.post(f"{BASE}/requests.{fmt}", data, **headers)


def single_district(w):
    Node.objects.filter(pk=w.nodes["D2"].pk).update(is_active=False)


# --- discovery and services ----------------------------------------------------------------------------------
def test_discovery(o3, client):
    data = both(client, "discovery")
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production" and endpoint["formats"] == ["text/xml", "application/json"]
    assert parse_w3c(data["changeset"]).tzinfo is not None


def test_services(o3, client):
    data = both(client, "services", D1)
    by_code = {s["service_code"]: s for s in data}
    public = set(EventCategory.objects.filter(parent__isnull=False, public=True).values_list("code", flat=True))
    assert set(by_code) == public and "0601" not in by_code  # 邻里纠纷 is not for residents
    assert by_code["0301"] == {"service_code": "0301", "service_name": "垃圾堆放", "description": "生活垃圾、建筑垃圾乱堆乱放",
                               "metadata": False, "type": "realtime", "keywords": None, "group": "市容环境"}
    assert by_code["0501"]["metadata"] is True  # it has the floor attribute
    assert [s["service_code"] for s in data] == sorted(by_code, key=lambda c: (c[:2], c))
    EventCategory.objects.filter(code="0302").update(is_active=False)
    assert "0302" not in {s["service_code"] for s in both(client, "services", D1)}


def test_jurisdiction_rules(o3, client):
    assert error_codes(both(client, "services", status=400)) == [400]  # two districts served: required
    assert error_codes(both(client, "services", {"jurisdiction_id": ""}, status=400)) == [400]  # empty = absent
    assert error_codes(both(client, "services", {"jurisdiction_id": "999999"}, status=404)) == [404]
    assert both(client, "services", {"jurisdiction_id": "510198"})  # the other district is served too
    single_district(o3)
    assert both(client, "services") == both(client, "services", {"jurisdiction_id": ""}) == both(
        client, "services", D1)
    assert both(client, "requests") == []
    response = post(client, o3, jurisdiction_id="")
    assert response.status_code == 200, response.content


def test_service_definition(o3, client):
    data = both(client, "services/0501", D1)
    assert data == {"service_code": "0501", "attributes": [
        {"variable": True, "code": "floor", "datatype": "number", "required": False, "datatype_description": None,
         "order": 1, "description": "楼层"}]}
    assert both(client, "services/0301", D1) == {"service_code": "0301", "attributes": []}
    assert error_codes(both(client, "services/9999", D1, status=404)) == [404]
    assert error_codes(both(client, "services/0601", D1, status=404)) == [404]  # not public
    assert error_codes(both(client, "services/0501", status=400)) == [400]


def lamp_attributes():
    EventCategory.objects.filter(code="0102").update(attributes=[
        {"code": "pole", "datatype": "string", "required": True, "description": "灯杆编号", "order": 2},
        {"code": "kind", "datatype": "singlevaluelist", "required": True, "description": "故障", "order": 1,
         "values": [{"key": "dark", "name": "不亮"}, {"key": "tilt", "name": "倾斜"}]},
        {"code": "hours", "datatype": "multivaluelist", "description": "时段", "order": 3,
         "values": [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}]},
        {"code": "seen", "datatype": "datetime", "description": "发现时间", "order": 4},
        {"code": "note", "datatype": "text", "variable": False, "description": "请勿触碰灯杆", "order": 5},
    ])


def test_list_attributes_in_definition(o3, client):
    lamp_attributes()
    data = both(client, "services/0102", D1)
    assert [a["code"] for a in data["attributes"]] == ["kind", "pole", "hours", "seen", "note"]
    assert [a["order"] for a in data["attributes"]] == [1, 2, 3, 4, 5]
    assert data["attributes"][0]["values"] == [{"key": "dark", "name": "不亮"}, {"key": "tilt", "name": "倾斜"}]
    assert "values" not in data["attributes"][1] and data["attributes"][4]["variable"] is False
    assert {s["service_code"]: s["metadata"] for s in both(client, "services", D1)}["0102"] is True


# --- POST ----------------------------------------------------------------------------------------------------
def test_post_creates_the_event_in_both_formats(o3, client):
    w = o3
    for fmt in ("xml", "json"):
        response = post(client, w, fmt, description=f"路口垃圾 {fmt}", address_string="和平路1号",
                        media_url="https://img.example.com/a.jpg", account_id="u-42")
        assert response.status_code == 200, response.content
        body = parse(response)
        if fmt == "json":
            (item,) = body
            assert set(item) == {"service_request_id", "service_notice", "account_id"}
            assert item["account_id"] == "u-42" and "token" not in item
            number = item["service_request_id"]
        else:
            assert body.tag == "service_requests" and body.find("request/token") is None
            number = body.find("request/service_request_id").text
        event = Event.objects.get(number=number)
        assert event.source == Source.OPEN311 and event.open311_client == w.o311_client
        assert event.grid == w.nodes["G1"] and event.community == w.nodes["C1"]  # located in G1's boundary
        assert event.address == "和平路1号" and event.state == EventState.REPORTED
        assert event.submission_key.startswith(f"open311:{w.o311_client.pk}:")
        assert response["X-Open311-Token"] and "Idempotent-Replayed" not in response
    w.o311_client.refresh_from_db()
    assert w.o311_client.last_used_at is not None


def test_post_with_address_only_and_address_id(o3, client):
    w = o3
    response = post(client, w, lat=None, long=None, address_string="幸福街道和平路12号")
    event = Event.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert event.grid is None and event.district == w.nodes["D1"] and event.latitude is None
    assert event.description == "垃圾堆放"  # description is optional: the service's name stands in
    response = post(client, w, lat=None, long=None, address_id=w.nodes["B2"].code)
    event = Event.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert event.grid == w.nodes["G2"]


def test_post_attributes(o3, client):
    lamp_attributes()
    ok = post(client, o3, service_code="0102", **{"attribute[kind]": "dark", "attribute[pole]": "LD-17",
                                                   "attribute[hours][]": ["night", "day"],
                                                   "attribute[seen]": "2025-05-01T20:00:00+08:00"})
    assert ok.status_code == 200, ok.content
    event = Event.objects.get(number=json.loads(ok.content)[0]["service_request_id"])
    assert "故障: 不亮" in event.description and "时段: 夜间、白天" in event.description
    step = event.steps.get(action=Action.REPORT)
    assert step.data["open311"]["attributes"] == {"kind": "dark", "pole": "LD-17", "hours": ["night", "day"],
                                                  "seen": "2025-05-01T20:00:00+08:00"}
    bad = post(client, o3, "xml", service_code="0102", **{
        "attribute[kind]": ["dark", "tilt"], "attribute[hours][]": "noon", "attribute[seen]": "yesterday",
        "attribute[colour]": "red", "attribute[note]": "x"})
    assert bad.status_code == 400
    errors = parse(bad)
    assert errors.tag == "errors" and [e.find("code").text for e in errors] == ["400"] * 6
    # one each: colour unknown, note not variable, kind takes one value, pole required, hours unknown value, seen
    floor = post(client, o3, service_code="0501", **{"attribute[floor]": "three"})
    assert floor.status_code == 400 and error_codes(json.loads(floor.content)) == [400]
    assert post(client, o3, service_code="0501", **{"attribute[floor]": "3"}).status_code == 200


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_errors(o3, client, fmt):
    w = o3
    other, other_key = create_client(name="邻区App", district=w.nodes["D2"])

    def status(**kw):
        response = post(client, w, fmt, **kw)
        parsed = parse(response)
        codes = ([int(e.find("code").text) for e in parsed] if fmt == "xml" else error_codes(parsed))
        assert codes and all(c == response.status_code for c in codes)
        return response.status_code

    assert status(key="") == 403
    assert status(key="not-a-key") == 403
    assert status(key=other_key) == 403  # a key of district 510198 for 510199
    assert status(jurisdiction_id="", key=other_key) == 400  # two districts served: jurisdiction required
    assert status(jurisdiction_id="123456") == 404
    assert status(service_code="") == 400
    assert status(service_code="9999") == 404
    assert status(service_code="0601") == 404  # not a public service
    assert status(lat=None, long=None) == 400  # no location
    assert status(long=None) == 400
    assert status(lat="north", long="east") == 400
    assert status(lat="91", long="104") == 400
    assert status(lat=None, long=None, address_id="000000") == 400
    assert status(lat=None, long=None, address_id=w.nodes["B5"].code) == 400  # another district's building
    assert status(description="长" * 4001) == 400
    assert status(media_url="javascript:alert(1)") == 400
    assert status(phone="12") == 400
    assert status(idem="bad key with spaces") == 400
    Open311Client.objects.filter(pk=w.o311_client.pk).update(is_active=False)
    assert status() == 403
    assert Event.objects.filter(source=Source.OPEN311).count() == 0


def test_post_errors_report_every_problem(o3, client):
    response = post(client, o3, long=None, description="x" * 4001, media_url="ftp://x")
    assert response.status_code == 400 and error_codes(json.loads(response.content)) == [400, 400, 400]


# --- idempotency and tokens ----------------------------------------------------------------------------------
def test_idempotent_post_and_tokens(o3, client):
    w = o3
    first = post(client, w, idem="phone-7f3a", description="垃圾")
    again = post(client, w, idem="phone-7f3a", description="垃圾")
    assert first.status_code == again.status_code == 200
    assert json.loads(first.content) == json.loads(again.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Event.objects.filter(source=Source.OPEN311).count() == 1
    number = json.loads(first.content)[0]["service_request_id"]
    assert post(client, w, "xml", idem="phone-7f3a", description="另一件事").status_code == 400
    token = f"{w.o311_client.pk}-phone-7f3a"
    assert first["X-Open311-Token"] == token
    assert both(client, f"tokens/{token}", D1) == [{"service_request_id": number, "token": token}]
    # without an Idempotency-Key the server draws one: the token still resolves
    other = post(client, w, description="又一处垃圾")
    assert both(client, f"tokens/{other['X-Open311-Token']}", D1)[0]["service_request_id"] == json.loads(
        other.content)[0]["service_request_id"]
    assert error_codes(both(client, "tokens/999-nothing", D1, status=404)) == [404]
    assert error_codes(both(client, "tokens/garbage", D1, status=404)) == [404]
    assert error_codes(both(client, f"tokens/{token}", {"jurisdiction_id": "510198"}, status=404)) == [404]
    assert error_codes(both(client, f"tokens/{token}", status=400)) == [400]


# --- GET requests --------------------------------------------------------------------------------------------
def close_loop(w, event):
    desk, handler = w.user("community_worker"), w.user("handler")
    event = transition(event, Action.FILE, actor=desk)
    event = transition(event, Action.DISPATCH, actor=desk)
    event = transition(event, Action.FEED_BACK, actor=handler, note="已清运")
    event = transition(event, Action.VERIFY, actor=w.user("grid_worker"))
    return transition(event, Action.CLOSE, actor=desk, public_note="垃圾已清运完毕")


@pytest.fixture
def events(o3):
    """Events of several states, 小类 and ages in district 510199 (and one in 510198)."""
    w = o3
    now = timezone.now()
    desk = w.user("community_worker")
    e = {
        "open": report(w, latitude=30.05, longitude=104.05),
        "dispatched": transition(transition(report(w, category="0201"), Action.FILE, actor=desk),
                                 Action.DISPATCH, actor=desk),
        "closed": close_loop(w, report(w)),
        "not_filed": transition(report(w, category="0202"), Action.NOT_FILE, actor=desk, note="不属于受理范围"),
        "old": report(w, at=now - dt.timedelta(days=120)),
        "dispute": report(w, category="0603", address="和平小区3栋", latitude=30.06, longitude=104.06),
        "private": report(w, category="0601"),  # 邻里纠纷: not a public service, never shown
    }
    master = report(w)
    e["merged_open"] = transition(report(w), Action.MERGE, actor=desk, master=master)
    e["merged_master"] = master
    master2 = report(w)
    e["merged_closed"] = transition(report(w), Action.MERGE, actor=desk, master=master2)
    e["merged_closed_master"] = close_loop(w, master2)
    return {k: Event.objects.get(pk=v.pk) for k, v in e.items()}


def ids(data) -> set[str]:
    return {r["service_request_id"] for r in data}


def test_get_requests_default_window_and_status_mapping(events, client):
    e = events
    data = both(client, "requests", D1)
    by_id = {r["service_request_id"]: r for r in data}
    expected = {k for k in e if k not in ("old", "private")}
    assert ids(data) == {e[k].number for k in expected}
    status = {k: by_id[e[k].number]["status"] for k in expected}
    assert status == {"open": "open", "dispatched": "open", "closed": "closed", "not_filed": "closed",
                      "dispute": "open", "merged_open": "open", "merged_master": "open", "merged_closed": "closed",
                      "merged_closed_master": "closed"}
    assert [r["requested_datetime"] for r in data] == sorted((r["requested_datetime"] for r in data), reverse=True)
    dispatched = by_id[e["dispatched"].number]
    assert dispatched["agency_responsible"] == "幸福街道城管科"
    assert parse_w3c(dispatched["expected_datetime"]) == e["dispatched"].deadline
    assert dispatched["status_notes"]  # "dispatched to …", the public note
    closed = by_id[e["closed"].number]
    assert closed["status_notes"] == "垃圾已清运完毕"
    assert parse_w3c(closed["updated_datetime"]) == e["closed"].closed_at.replace(microsecond=0)
    merged = by_id[e["merged_closed"].number]
    assert parse_w3c(merged["updated_datetime"]) == e["merged_closed_master"].closed_at.replace(microsecond=0)
    assert by_id[e["not_filed"].number]["status_notes"] == "不属于受理范围"
    opened = by_id[e["open"].number]
    assert opened["lat"] == 30.05 and opened["long"] == 104.05 and opened["service_code"] == "0301"
    assert opened["description"] is None  # a grid worker's report: its text stays inside
    assert opened["address"] == "和平第一网格, 和平社区, 幸福街道, 测试区"
    assert parse_w3c(opened["requested_datetime"]) == e["open"].reported_at.replace(microsecond=0)
    dispute = by_id[e["dispute"].number]
    assert dispute["address"] is None and dispute["lat"] is None and dispute["description"] is None
    for row in data:
        for field in ("requested_datetime", "updated_datetime"):
            assert parse_w3c(row[field]).tzinfo is not None
    assert list(data[0]) == ["service_request_id", "status", "status_notes", "service_name", "service_code",
                             "description", "agency_responsible", "service_notice", "requested_datetime",
                             "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                             "long", "media_url"]


def test_get_requests_filters(events, client):
    e = events
    open_ids = both(client, "requests", {**D1, "status": "open"})
    closed_ids = both(client, "requests", {**D1, "status": "closed"})
    assert ids(closed_ids) == {e[k].number for k in ("closed", "not_filed", "merged_closed", "merged_closed_master")}
    assert ids(open_ids) | ids(closed_ids) == ids(both(client, "requests", {**D1, "status": "open,closed"}))
    assert not ids(open_ids) & ids(closed_ids)
    assert ids(both(client, "requests", {**D1, "service_code": "0201,0202"})) == {
        e["dispatched"].number, e["not_filed"].number}
    assert ids(both(client, "requests", {**D1, "service_code": ["0201", "0202"], "status": "closed"})) == {
        e["not_filed"].number}
    # service_request_id overrides every other argument (even the 90-day window) and ignores unknown ids
    wanted = f"{e['old'].number},{e['closed'].number}, nothing,{e['private'].number}"
    assert ids(both(client, "requests", {**D1, "service_request_id": wanted, "status": "open",
                                         "service_code": "0702"})) == {e["old"].number, e["closed"].number}
    old_day = timezone.localtime(e["old"].reported_at)
    window = {"start_date": (old_day - dt.timedelta(days=1)).isoformat(timespec="seconds"),
              "end_date": (old_day + dt.timedelta(days=1)).isoformat(timespec="seconds")}
    assert ids(both(client, "requests", {**D1, **window})) == {e["old"].number}
    utc = e["old"].reported_at.astimezone(dt.UTC)
    assert ids(both(client, "requests", {**D1, "start_date": (utc - dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")})) == {e["old"].number}  # start alone: start + 90 days
    assert ids(both(client, "requests", {**D1, "end_date": (utc + dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")})) == {e["old"].number}  # end alone: the 90 days before it
    # a "+" left unescaped in the query arrives as a space: still understood
    raw = client.get(f"{BASE}/requests.json?jurisdiction_id=510199&start_date="
                     f"{(old_day - dt.timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%S')}+08:00")
    assert raw.status_code == 200 and e["old"].number in ids(json.loads(raw.content))
    assert both(client, "requests", {"jurisdiction_id": "510198"}) == []


def test_get_requests_errors(events, client):
    assert error_codes(both(client, "requests", status=400)) == [400]
    assert error_codes(both(client, "requests", {"jurisdiction_id": "1"}, status=404)) == [404]
    assert error_codes(both(client, "requests", {**D1, "status": "pending"}, status=400)) == [400]
    for bad in ("yesterday", "2010-01-01T00:00:00", "2010-13-01T00:00:00Z", "2010-01-01 00:00"):
        assert error_codes(both(client, "requests", {**D1, "start_date": bad}, status=400)) == [400], bad
    assert error_codes(both(client, "requests", {**D1, "start_date": "bad", "end_date": "worse"},
                            status=400)) == [400, 400]
    assert error_codes(both(client, "requests", {**D1, "start_date": "2010-01-01T00:00:00Z",
                                                 "end_date": "2010-06-01T00:00:00Z"}, status=400)) == [400]
    assert error_codes(both(client, "requests", {**D1, "start_date": "2010-02-01T00:00:00Z",
                                                 "end_date": "2010-01-01T00:00:00Z"}, status=400)) == [400]
    assert both(client, "requests", {**D1, "status": "", "service_code": "", "start_date": ""}) == both(
        client, "requests", D1)  # empty = not declared


def test_get_requests_limit(events, client, monkeypatch):
    monkeypatch.setattr(open311_views, "MAX_REQUESTS", 3)
    data = both(client, "requests", D1)
    newest = Event.objects.filter(district__code="510199", category__public=True).order_by("-reported_at", "-id")
    assert [r["service_request_id"] for r in data] == [e.number for e in newest[:3]]


def test_get_one_request(events, client):
    e = events
    (one,) = both(client, f"requests/{e['closed'].number}", D1)
    assert one["status"] == "closed" and one["service_request_id"] == e["closed"].number
    assert both(client, f"requests/{e['old'].number}", D1)  # no date window for one request
    assert error_codes(both(client, "requests/SJ000", D1, status=404)) == [404]
    assert error_codes(both(client, f"requests/{e['private'].number}", D1, status=404)) == [404]
    assert error_codes(both(client, f"requests/{e['closed'].number}", {"jurisdiction_id": "510198"},
                            status=404)) == [404]


def test_get_requests_query_count(events, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get(f"{BASE}/requests.json", D1)


# --- privacy -------------------------------------------------------------------------------------------------
def test_no_personal_data_in_any_answer(o3, client):
    w = o3
    posted = post(client, w, first_name="秀兰", last_name="欧阳", phone=PHONE, email=EMAIL, device_id="dev-1",
                  account_id="acct-9", idem="privacy-1",
                  description=f"我是{NAME}，电话{PHONE}，邮箱{EMAIL}，身份证510199199001011234，垃圾堆了三天",
                  media_url="https://img.example.com/b.jpg")
    assert posted.status_code == 200
    number = json.loads(posted.content)[0]["service_request_id"]
    event = Event.objects.get(number=number)
    assert event.reporter_name == NAME and event.reporter_phone == PHONE  # kept inside, encrypted
    grid = report(w, reporter_name="居民王大爷", reporter_phone="13511112222",
                  description="王大爷13511112222反映楼道堆物")
    desk = w.user("community_worker")
    transition(grid, Action.NOT_FILE, actor=desk, note="已联系居民王大爷 13511112222 说明情况")
    token = posted["X-Open311-Token"]
    answers = []
    for path, params in [("discovery", {}), ("services", D1), ("services/0301", D1), ("requests", D1),
                         (f"requests/{number}", D1), (f"requests/{grid.number}", D1), (f"tokens/{token}", D1),
                         ("requests", {**D1, "service_request_id": f"{number},{grid.number}"})]:
        for fmt in ("xml", "json"):
            answers.append(client.get(f"{BASE}/{path}.{fmt}", params).content.decode("utf-8"))
    answers.append(post(client, w, idem="privacy-1", first_name="秀兰", last_name="欧阳", phone=PHONE).content
                   .decode())
    text = "\n".join(answers)
    for secret in (NAME, "秀兰", PHONE, EMAIL, "xiulan", "dev-1", "510199199001011234", "王大爷", "13511112222"):
        assert secret not in text, secret
    (mine,) = json.loads(client.get(f"{BASE}/requests/{number}.json", D1).content)
    assert mine["description"].endswith("垃圾堆了三天") and "138" not in mine["description"]
    assert mine["media_url"] == "https://img.example.com/b.jpg"
    assert "account_id" not in mine


def test_scrub():
    text = scrub("张三 13812345678 或 +86 138-1234-5678，028-12345678，a.b@c.cn，ID 11010519900101123X", names=("张三",))
    assert text == "** 138****5678 或 138****5678，028****5678，***@***，ID 110105********123X"


# --- other URLs ----------------------------------------------------------------------------------------------
def test_other_urls(o3, client):
    assert client.get(f"{BASE}/").status_code == 302
    assert client.get(f"{BASE}/services").status_code == 400  # no format
    assert client.get(f"{BASE}/services.html").status_code == 400
    nothing = client.get(f"{BASE}/nothing.json")
    assert nothing.status_code == 404 and error_codes(json.loads(nothing.content)) == [404]
    wrong = client.put(f"{BASE}/services.xml")
    assert wrong.status_code == 400 and parse(wrong).tag == "errors"
    assert client.post(f"{BASE}/services.json", D1).status_code == 400
    assert client.get(f"{BASE}/services.xml", D1)["Access-Control-Allow-Origin"] == "*"


def test_unexpected_failure_is_a_400_not_a_500(o3, client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(open311_views.s, "public_services", boom)
    response = client.get(f"{BASE}/services.json", D1)
    assert response.status_code == 400 and error_codes(json.loads(response.content)) == [400]


def test_english_error_descriptions_on_request(o3, client):
    response = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert "jurisdiction_id" in json.loads(response.content)[0]["description"]


# --- the key command -----------------------------------------------------------------------------------------
def test_open311_key_command(o3, client):
    w = o3
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "FixMyStreet", stdout=out)  # two districts: which one?
    call_command("open311_key", "create", "FixMyStreet", "--district", "510199", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client_app = Open311Client.objects.get(name="FixMyStreet")
    assert client_app.key_hash == hashlib.sha256(key.encode()).hexdigest() and client_app.key_prefix == key[:8]
    assert key not in str(Open311Client.objects.values().get(pk=client_app.pk))
    assert post(client, w, key=key).status_code == 200
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "FixMyStreet", "--district", "510199", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "Other", "--district", "000000", stdout=StringIO())
    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert "FixMyStreet" in listing.getvalue() and key not in listing.getvalue() and "active" in listing.getvalue()
    call_command("open311_key", "revoke", "FixMyStreet", stdout=StringIO())
    assert post(client, w, key=key).status_code == 403
    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert "revoked" in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("open311_key", "revoke", "nobody", stdout=StringIO())
    single_district(w)
    out = StringIO()
    call_command("open311_key", "create", "Single", stdout=out)
    assert Open311Client.objects.get(name="Single").district == w.nodes["D1"]


def test_reported_through_the_service_directly_is_visible(o3, client):
    """An event of a public 小类 created by the desk's own service call shows up (all sources)."""
    event = report_event(actor=o3.user("community_worker"), category=o3.categories["0704"], description="咨询",
                         node=o3.nodes["C1"], source=Source.DESK).event
    assert event.number in ids(both(client, "requests", D1))
