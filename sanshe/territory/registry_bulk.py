"""The bulk write path of the resident import (district scale: a million rows in one go).

:mod:`sanshe.territory.imports_registry` checks every row in Python; :func:`write` then works set by set, never
row by row against the database:

1. ID numbers repeated inside the file are error rows (the later ones); the district's existing residents of
   the file's blind indexes are read in chunks; one registered in another community of the district is an error
   row (one ID number per district, the same rule as ``registry.register_resident``).
2. Missing compounds and buildings are created (through the territory service's insert, audited per node: a
   handful per import), then the missing dwellings and households in bulk, with the household timeline entry
   "Household file opened" for each household created.
3. New residents, their move-in history rows and their tags are inserted in bulk; changed residents are updated
   with one ``executemany``. ID numbers and phones are encrypted and indexed per row (``core.crypto``),
   ancestors (district … building) copied onto every row.

**Large loads** (PostgreSQL, at least ``BULK_MIN_ROWS`` new residents and at least as many as the table holds:
an initial district load): the per-row foreign-key triggers are skipped when the role may do so and every foreign
key of the written tables is checked afterwards with one anti-join per constraint
(:func:`foreign_key_triggers_skipped`), and each bulk-inserted table has its non-unique secondary indexes dropped
before its COPY and rebuilt after it (:func:`indexes_suspended`; this locks the table until the import commits).
Where the time goes for 200,000 rows (cProfile, before these changes): checking the rows in Python about half
(reading cells, ID number check character, blind indexes), the database the other half, most of it the index
maintenance of the COPY and the deferred foreign-key checks at commit. Large files are therefore also checked by
two processes (:func:`sanshe.territory.imports_registry.check_rows`).

Inserts use PostgreSQL's ``COPY … FROM STDIN`` (psycopg ``cursor.copy``) with ids reserved from the table's
sequence, and on SQLite ``executemany`` inside the one import transaction (ids taken above the current maximum
while the IMMEDIATE transaction holds the write lock).

**Audit decision.** A bulk import writes ONE audit entry, ``registry.import`` (file name, counts of rows,
created, updated, unchanged, errors, dwellings and households created, community, actor, dry run), written by
the caller inside the same transaction, plus a ``HouseholdTimelineEntry`` for every household created; nodes
created get their usual ``territory.node.created`` entry. It does not write one ``registry.resident.registered``
/ ``updated`` entry with a diff per row: for a district ledger that would cost more than the import itself and
would put a million copies of masked personal data into the chain; the import entry and the file name say who
loaded what, when and where.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager, nullcontext

from django.db import DatabaseError, IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sanshe.core import crypto
from sanshe.core.ledgers import ErrorReport, Header

from . import registry
from .choices import IdType, Level, MoveKind, Occupancy, Relation, ResidentStatus
from .imports_registry import COMPOUND, ID_NUMBER, Row, building_key, building_name
from .models import Dwelling, Household, HouseholdTimelineEntry, Node, Resident, ResidentMove, ResidentTag
from .registry import floor_of

CHUNK = 5000
ANCESTORS = ("district_id", "street_id", "community_id", "grid_id", "compound_id", "building_id")


# --- low-level writing ------------------------------------------------------------------------------------------
def _table(model) -> str:
    return model._meta.db_table


def reserve_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys for ``model`` (sequence on PostgreSQL; above the maximum on SQLite)."""
    if count == 0:
        return []
    table = _table(model)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                           [count])
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        top = cursor.fetchone()[0]
        try:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            top = max(top, seq[0] if seq else 0)
        except Exception:  # noqa: BLE001 - no sqlite_sequence without AUTOINCREMENT tables
            pass
    return list(range(top + 1, top + 1 + count))


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *, large: bool = False) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``model``'s table: COPY on PostgreSQL, else
    ``executemany`` in chunks. Returns the number of rows. ``large``: with the table's secondary indexes
    suspended (:func:`indexes_suspended`, PostgreSQL)."""
    if large and connection.vendor == "postgresql":
        with indexes_suspended(model):
            return insert_rows(model, columns, rows)
    table = _table(model)
    quoted = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})'
        batch: list = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def fast_crypto():
    """``(blind_index, encrypt)`` bound to the current key once, for a million rows
    (:func:`sanshe.core.crypto.bulk_cipher`: same results as ``blind_index`` / ``encrypt``)."""
    cipher = crypto.bulk_cipher()
    return cipher.blind_index, cipher.encrypt


# --- large loads (PostgreSQL) -----------------------------------------------------------------------------------
# The tables a resident import writes in bulk, and the conditions under which a load is "large": at least
# BULK_MIN_ROWS new residents and at least as many as the resident table already holds (an initial district load,
# not a community's monthly update).
BULK_MODELS = (Dwelling, Household, HouseholdTimelineEntry, Resident, ResidentMove, ResidentTag)
BULK_MIN_ROWS = 50_000


def is_large_load(new_rows: int) -> bool:
    """Whether ``new_rows`` new residents make a large load (PostgreSQL only): indexes suspended, foreign keys
    checked set by set."""
    if connection.vendor != "postgresql" or new_rows < BULK_MIN_ROWS:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
                       [_table(Resident)])
        found = cursor.fetchone()
    return new_rows >= (found[0] if found else 0)


@contextmanager
def indexes_suspended(*models):
    """Drop the non-unique secondary indexes of ``models``' tables and build them again on leaving (inside the
    caller's transaction; PostgreSQL and SQLite, whose DDL is transactional).

    One sort per index instead of a million random b-tree inserts. Primary keys and unique indexes stay, so
    uniqueness is still enforced row by row. On PostgreSQL ``DROP INDEX`` locks the table (ACCESS EXCLUSIVE)
    until the transaction ends: readers of the table wait for the load, hence only for large loads
    (:func:`is_large_load`). On an exception nothing is rebuilt: the transaction rolls back and the indexes come
    back with it. Yields how many indexes were suspended.
    """
    tables = [_table(m) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # DDL refuses a table with pending deferred FK checks (rows written earlier in this transaction):
            # run them now, then defer again (Django's foreign keys are DEFERRABLE INITIALLY DEFERRED).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [tables])
            dropped = cursor.fetchall()
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"SELECT '\"' || name || '\"', sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({', '.join(['%s'] * len(tables))})", tables)
            dropped = cursor.fetchall()
        else:
            dropped = []
        for name, _ddl in dropped:
            cursor.execute(f"DROP INDEX {name}")
    yield len(dropped)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and dropped:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for _name, ddl in dropped:
            cursor.execute(ddl)


@contextmanager
def foreign_key_triggers_skipped(models: Sequence = BULK_MODELS, *, node_since: int | None = None):
    """Skip the per-row foreign-key triggers while writing ``models``' tables, then check every foreign key of
    those tables with one anti-join per constraint (PostgreSQL, inside the caller's transaction).

    Only when the database role may set ``session_replication_role`` (a superuser, or ``GRANT SET ON PARAMETER``
    to the role); otherwise the triggers run as usual. The check covers the whole tables (and ``territory_node``
    above ``node_since``); a dangling reference raises :class:`django.db.IntegrityError` and the import rolls
    back. Yields whether the triggers are skipped.
    """
    skipped = False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT sanshe_replica")
            try:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("RELEASE SAVEPOINT sanshe_replica")
                skipped = True
            except DatabaseError:
                cursor.execute("ROLLBACK TO SAVEPOINT sanshe_replica")
    yield skipped
    if skipped:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            check_foreign_keys([_table(m) for m in models], cursor)
            if node_since is not None:
                check_foreign_keys([_table(Node)], cursor, since_id=node_since)


def check_foreign_keys(tables: Sequence[str], cursor, *, since_id: int | None = None) -> None:
    """Every single-column foreign key of ``tables`` points at an existing row (one anti-join per constraint);
    raises :class:`IntegrityError` naming the first dangling reference found."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname, c.conname "
        "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) AND array_length(c.conkey, 1) = 1 "
        "ORDER BY 1, 2", [list(tables)])
    for table, column, target, target_column, name in cursor.fetchall():
        since = f" AND t.id > {int(since_id)}" if since_id is not None else ""
        cursor.execute(
            f'SELECT t."{column}" FROM {table} t WHERE t."{column}" IS NOT NULL{since} AND NOT EXISTS '
            f'(SELECT 1 FROM {target} f WHERE f."{target_column}" = t."{column}") LIMIT 1')
        bad = cursor.fetchone()
        if bad is not None:
            raise IntegrityError(f"{table}.{column} = {bad[0]} has no row in {target} (constraint {name}).")


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- the import -------------------------------------------------------------------------------------------------
def write(rows: list[Row], *, community: Node, actor, report: ErrorReport, header: Header,
          progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Write the checked rows into ``community`` (inside the caller's transaction); error rows go to ``report``.

    Returns ``{"created", "updated", "unchanged", "stats": {...}}``.
    """
    now = timezone.now()
    label = header.label
    district_id = community.district_id

    # 1. one ID number per file and per district
    first_row: dict[str, int] = {}
    unique: list[Row] = []
    for row in rows:
        seen = first_row.get(row.id_number_index)
        if seen is not None:
            report.add(row.row, label(ID_NUMBER), _("The same ID number is already in row %(row)d of this file.")
                       % {"row": seen})
            continue
        first_row[row.id_number_index] = row.row
        unique.append(row)
    existing: dict[str, tuple] = {}
    indexes = list(first_row)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for part in _chunks(indexes, 50000 if postgres else CHUNK):
            # one array parameter on PostgreSQL (no query text with thousands of placeholders to build and parse)
            cursor.execute(
                "SELECT id_number_index, id, community_id, name, sex, ethnicity, phone_index, relation, "
                "household_id, dwelling_id, move_in_date FROM territory_resident WHERE district_id = %s AND "
                + ("id_number_index = ANY(%s)" if postgres else f"id_number_index IN ({', '.join(['%s'] * len(part))})"),
                [district_id, part] if postgres else [district_id, *part])
            for found in cursor.fetchall():
                existing[found[0]] = found[1:]
    rows = []
    for row in unique:
        found = existing.get(row.id_number_index)
        if found is not None and found[1] != community.pk:
            report.add(row.row, label(ID_NUMBER),
                       _("This ID number is already registered in another community of the district."))
            continue
        rows.append(row)
    if progress:
        progress("territory", 0, len(rows))

    new_count = sum(1 for r in rows if r.id_number_index not in existing)
    large = is_large_load(new_count)
    node_since = Node.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with foreign_key_triggers_skipped(node_since=node_since) if large else nullcontext(False) as fk_skipped:
        # 2. territory: compounds, buildings, dwellings, households
        rows, nodes_created = _ensure_buildings(rows, community, report, header, actor)
        building_nodes = {n.pk: n for n in Node.objects.filter(community_id=community.pk, level=Level.BUILDING)}
        dwellings = _ensure_dwellings(rows, building_nodes, now, large=large)
        households, households_created = _ensure_households(rows, community, dwellings, building_nodes, now,
                                                                large=large)
        # -- registry gaps: an existing household follows the file to another dwelling (registry.py does the moving)
        file_dwellings: dict[str, int] = {}
        for row in rows:
            if row.room:
                file_dwellings.setdefault(row.household, dwellings[(row.building_id, row.unit, row.room)])
        relocations = {n: (households[n][0], d) for n, d in file_dwellings.items() if households[n][1] != d}
        households.update(registry.relocate_imported_households(relocations, now=now))
        # -- end registry gaps
        if progress:
            progress("residents", 0, len(rows))

        # 3. residents
        new_rows = [r for r in rows if r.id_number_index not in existing]
        old_rows = [r for r in rows if r.id_number_index in existing]
        created = _insert_residents(new_rows, households, now, actor, progress, large=large)
        # -- registry gaps: residents the file puts in another household (timeline entries; the moves are below)
        transfers = [(existing[r.id_number_index][0], r.name, existing[r.id_number_index][7], households[r.household][0])
                     for r in old_rows if existing[r.id_number_index][7] != households[r.household][0]]
        # -- end registry gaps
        updated, unchanged = _update_residents(old_rows, existing, households, now,
                                               actor_id=actor.pk if actor is not None else None)
        # -- registry gaps: the heads follow the file (replaces the former _set_heads; see registry.settle_import_heads)
        registry.record_import_transfers(transfers, now=now)
        file_heads: dict[int, str] = {}
        for row in rows:
            if row.relation == Relation.HEAD:
                file_heads.setdefault(households[row.household][0], row.id_number_index)
        heads_changed = registry.settle_import_heads(
            community, file_heads, known=lambda idx: existing[idx][0] if idx in existing else None, now=now)
        # -- end registry gaps
    if created > 10000:
        _analyze(*BULK_MODELS)
    return {"created": created, "updated": updated, "unchanged": unchanged,
            "stats": {"nodes_created": nodes_created, "dwellings_created": dwellings["_created"],
                      "households_created": households_created, "households_moved": len(relocations),
                      "residents_transferred": len(transfers), "heads_changed": heads_changed,
                      "large_load": large, "fk_checked_in_bulk": fk_skipped}}


def _ensure_buildings(rows: list[Row], community: Node, report: ErrorReport, header: Header, actor):
    """Find or create the compounds and buildings the rows name; rows that cannot be placed become errors."""
    from .services import _insert, next_child_code

    compounds = {n.name: n for n in Node.objects.filter(community_id=community.pk, level=Level.COMPOUND)
                 .order_by("-is_active", "code")}
    buildings: dict[tuple[int, str], Node] = {}
    for node in Node.objects.filter(community_id=community.pk, level=Level.BUILDING).order_by("-is_active", "code"):
        buildings.setdefault((node.compound_id, building_key(node.name)), node)
    grids = {n.pk: n for n in Node.objects.filter(parent=community, level=Level.GRID)}
    created = 0
    kept: list[Row] = []
    for row in rows:
        if not row.room:
            kept.append(row)
            continue
        compound = compounds.get(row.compound)
        if compound is None:
            grid = grids.get(row.grid_id)
            if grid is None:
                report.add(row.row, header.label(COMPOUND),
                           _("The compound %(name)s does not exist yet and the community has several grids: "
                             "fill in the 网格 column or choose a default grid.") % {"name": row.compound})
                continue
            compound = _insert(level=Level.COMPOUND, parent=grid, name=row.compound[:100],
                               code=next_child_code(grid, Level.COMPOUND), geometry=None, actor=actor)
            compounds[row.compound] = compound
            created += 1
        key = (compound.pk, row.building)
        if key not in buildings:
            buildings[key] = _insert(level=Level.BUILDING, parent=compound, name=building_name(row.building)[:100],
                                     code=next_child_code(compound, Level.BUILDING), geometry=None, actor=actor)
            created += 1
        row.building_id = buildings[key].pk
        kept.append(row)
    return kept, created


def _ensure_dwellings(rows: list[Row], building_nodes: dict[int, Node], now, *, large: bool = False) -> dict:
    """(building id, unit, room) → dwelling id for every row with an address; missing dwellings inserted."""
    dwellings: dict = {}
    wanted = {(r.building_id, r.unit, r.room): r for r in rows if r.room}
    if wanted:
        for pk, building_id, unit, room in Dwelling.objects.filter(
                building_id__in={k[0] for k in wanted}).values_list("pk", "building_id", "unit", "room"):
            dwellings[(building_id, unit, room)] = pk
    missing = [key for key in wanted if key not in dwellings]
    ids = reserve_ids(Dwelling, len(missing))
    values = []
    for pk, key in zip(ids, missing, strict=True):
        building = building_nodes[key[0]]
        row = wanted[key]
        floor = row.floor if row.floor is not None else floor_of(key[2])
        values.append((pk, *(getattr(building, f) for f in ANCESTORS[:5]), building.pk, key[1], floor, key[2],
                       Occupancy.OCCUPIED, now, now))
        dwellings[key] = pk
    insert_rows(Dwelling, ["id", *ANCESTORS, "unit", "floor", "room", "occupancy", "created_at", "updated_at"],
                values, large=large)
    dwellings["_created"] = len(missing)
    return dwellings


def _ensure_households(rows: list[Row], community: Node, dwellings: dict, building_nodes: dict, now, *,
                       large: bool = False):
    """number → (household id, dwelling id, ancestors) for every row; missing households inserted with their
    timeline entry."""
    households: dict[str, tuple] = {}
    numbers = list({r.household for r in rows})
    for part in _chunks(numbers):
        for pk, number, dwelling_id, *ancestors in Household.objects.filter(
                community_id=community.pk, number__in=part).values_list("pk", "number", "dwelling_id", *ANCESTORS):
            households[number] = (pk, dwelling_id, tuple(ancestors))
    first: dict[str, Row] = {}
    for row in rows:
        if row.household not in households:
            first.setdefault(row.household, row)
    ids = reserve_ids(Household, len(first))
    values, timeline = [], []
    title = _("Household file opened")
    for pk, (number, row) in zip(ids, first.items(), strict=True):
        if row.room:
            dwelling_id = dwellings[(row.building_id, row.unit, row.room)]
            node = building_nodes[row.building_id]
            ancestors = tuple(getattr(node, f) for f in ANCESTORS)
        else:
            dwelling_id = None
            ancestors = (community.district_id, community.street_id, community.pk, row.grid_id, None, None)
        households[number] = (pk, dwelling_id, ancestors)
        values.append((pk, *ancestors, number, dwelling_id, row.registration_kind, True, "", now, now))
        timeline.append((pk, now, "registry.household.created", title, "", "", "", "registry.view"))
    insert_rows(Household, ["id", *ANCESTORS, "number", "dwelling_id", "registration_kind", "is_active", "note",
                            "created_at", "updated_at"], values, large=large)
    insert_rows(HouseholdTimelineEntry, ["household_id", "at", "kind", "title", "object_type", "object_id", "url",
                                         "permission"], timeline, large=large)
    return households, len(first)


RESIDENT_COLUMNS = ["id", *ANCESTORS, "name", "sex", "ethnicity", "id_type", "id_number", "id_number_index",
                    "id_number_masked", "birth_date", "phone", "phone_index", "phone_masked", "household_id",
                    "dwelling_id", "relation", "status", "move_in_date", "note", "created_at", "updated_at"]


def _insert_residents(rows: list[Row], households: dict, now, actor, progress, *, large: bool = False) -> int:
    """Insert the new residents, their move-in rows and their tags; returns how many. ID numbers and phones are
    encrypted here unless the check already did it (``Row.id_number_token`` / ``phone_token``, parallel check)."""
    ids = reserve_ids(Resident, len(rows))
    _index, encrypt = fast_crypto()
    today = timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(now)  # once, not per row
    actor_id = actor.pk if actor is not None else None
    moves, tags = [], []
    total = len(rows)

    def residents():
        for done, (pk, row) in enumerate(zip(ids, rows, strict=True)):
            household_id, dwelling_id, ancestors = households[row.household]
            moves.append((pk, MoveKind.MOVE_IN, row.move_in_date or today, household_id, "", actor_id, now))
            for tag in row.tags:
                tags.append((pk, tag, ancestors, now))
            if progress and done % 50000 == 0 and done:
                progress("residents", done, total)
            yield (pk, *ancestors, row.name, row.sex, row.ethnicity, IdType.ID_CARD,
                   row.id_number_token or encrypt(row.id_number), row.id_number_index, row.id_number_masked,
                   row.birth_date, (row.phone_token or encrypt(row.phone)) if row.phone else "", row.phone_index,
                   row.phone_masked, household_id,
                   dwelling_id, row.relation, ResidentStatus.REGISTERED, row.move_in_date, "", now, now)

    count = insert_rows(Resident, RESIDENT_COLUMNS, residents(), large=large)
    insert_rows(ResidentMove, ["resident_id", "kind", "date", "to_household_id", "note", "actor_id",
                               "recorded_at"], moves, large=large)
    _insert_tags(tags, large=large)
    return count


def _insert_tags(tags: list[tuple], *, large: bool = False) -> None:
    insert_rows(ResidentTag, ["resident_id", "tag_type_id", *ANCESTORS, "details", "created_at", "updated_at"],
                ((pk, tag, *ancestors, "{}", now, now) for pk, tag, ancestors, now in tags), large=large)


def _update_residents(rows: list[Row], existing: dict, households: dict, now,
                      actor_id: int | None = None) -> tuple[int, int]:
    """Compare the rows with the residents they match; update those that differ. Returns (updated, unchanged)."""
    _index, encrypt = fast_crypto()
    resident_ids = [existing[r.id_number_index][0] for r in rows]
    held: set[tuple[int, int]] = set()
    for part in _chunks(resident_ids):
        held.update(ResidentTag.objects.filter(resident_id__in=part).values_list("resident_id", "tag_type_id"))
    changes, new_tags, moves = [], [], []
    unchanged = 0
    today = timezone.localdate()
    for row in rows:
        pk, _community, name, sex, ethnicity, phone_index, relation, household_id, dwelling_id, move_in = \
            existing[row.id_number_index]
        h_id, d_id, ancestors = households[row.household]
        move_in_new = row.move_in_date or move_in
        missing_tags = [t for t in row.tags if (pk, t) not in held]
        for tag in missing_tags:
            new_tags.append((pk, tag, ancestors, now))
        same = (name, sex, ethnicity, phone_index, relation, household_id, dwelling_id, move_in) == (
            row.name, row.sex, row.ethnicity, row.phone_index, row.relation, h_id, d_id, move_in_new)
        if same and not missing_tags:
            unchanged += 1
            continue
        if not same:
            changes.append((row.name, row.sex, row.ethnicity, encrypt(row.phone) if row.phone else "",
                            row.phone_index, row.phone_masked, row.relation, h_id, d_id, *ancestors[3:],
                            move_in_new, now, pk))
            if h_id != household_id:
                moves.append((pk, MoveKind.TRANSFER, today, household_id, h_id, "", actor_id, now))
    if changes:
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE territory_resident SET name = %s, sex = %s, ethnicity = %s, phone = %s, phone_index = %s, "
                "phone_masked = %s, relation = %s, household_id = %s, dwelling_id = %s, grid_id = %s, "
                "compound_id = %s, building_id = %s, move_in_date = %s, updated_at = %s WHERE id = %s", changes)
    _insert_tags(new_tags)
    insert_rows(ResidentMove, ["resident_id", "kind", "date", "from_household_id", "to_household_id", "note",
                               "actor_id", "recorded_at"], moves)
    return len(rows) - unchanged, unchanged


def _analyze(*models) -> None:
    """Fresh statistics after a large COPY on PostgreSQL, so that the next statements get good plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(_table(m) for m in models))
