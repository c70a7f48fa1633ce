/*
 * store_schema.c: the schema of cairn.db as an ordered list of migrations.
 *
 * A migration is never edited once released: a change to the schema is a new entry at the end of
 * `migrations`. Each runs in one IMMEDIATE transaction with the bump of meta.schema_version, and
 * the version is re-read inside that transaction so two processes opening the same file at once
 * cannot apply a migration twice.
 *
 * Tables: `events` is the log (the only source of truth), keyed by (partition, origin, seq)
 * WITHOUT ROWID: one b-tree fewer per append than a rowid table with a unique index (measured ~15%
 * faster in bench_events), and a partition's origins and their heads are a range of the key (what
 * sync reads); the rare large body (a big file's manifest) goes to overflow pages as usual. Each
 * row carries its hash chain value. `checkpoints` holds origins' signatures over (seq, chain) per
 * partition, our own and relayed ones; `peers` the nodes we know and their roles (for rights).
 * Migration 1 was changed in place for sync (issue 4), and again for append speed (educators as a
 * rowid table), before any release: see docs/decisions.md.
 * Everything else except `meta` and `peers` is a projection, written only by projection.c from
 * events and rebuildable from the log. Projection rows carry the (hlc, origin) of the event that
 * last wrote them, for last-writer-wins merging.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "search.h"
#include "store_schema.h"

static const char *const migrations[] = {
    /* 1: the event log and the first projections. */
    "CREATE TABLE events("
    "  partition TEXT NOT NULL,"
    "  origin BLOB NOT NULL CHECK(length(origin) = 32),"
    "  seq INTEGER NOT NULL CHECK(seq >= 1),"
    "  hlc INTEGER NOT NULL CHECK(hlc >= 0),"
    "  type TEXT NOT NULL,"
    "  entity TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  chain BLOB NOT NULL CHECK(length(chain) = 32),"
    "  PRIMARY KEY(partition, origin, seq)) WITHOUT ROWID;"
    "CREATE INDEX events_by_hlc ON events(hlc, origin, partition, seq);"
    "CREATE TABLE checkpoints("
    "  partition TEXT NOT NULL,"
    "  origin BLOB NOT NULL CHECK(length(origin) = 32),"
    "  seq INTEGER NOT NULL CHECK(seq >= 1),"
    "  chain BLOB NOT NULL CHECK(length(chain) = 32),"
    "  sig BLOB NOT NULL CHECK(length(sig) = 64),"
    "  PRIMARY KEY(partition, origin, seq)) WITHOUT ROWID;"
    "CREATE TABLE peers("
    "  node BLOB PRIMARY KEY CHECK(length(node) = 32),"
    "  role TEXT NOT NULL CHECK(role IN ('school', 'hub')),"
    "  name TEXT NOT NULL) WITHOUT ROWID;"

    "CREATE TABLE issuer("
    "  id INTEGER PRIMARY KEY CHECK(id = 1),"
    "  json TEXT NOT NULL, hlc INTEGER NOT NULL, origin BLOB NOT NULL);"
    "CREATE TABLE stacks("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, json TEXT NOT NULL,"
    "  hlc INTEGER NOT NULL, origin BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE stack_credentials("
    "  stack TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,"
    "  credential TEXT NOT NULL, pos INTEGER NOT NULL,"
    "  PRIMARY KEY(stack, credential)) WITHOUT ROWID;"
    "CREATE INDEX stack_credentials_by_credential ON stack_credentials(credential, stack);"
    "CREATE TABLE credentials("
    "  id TEXT NOT NULL, version INTEGER NOT NULL CHECK(version >= 1),"
    "  title TEXT NOT NULL, pd_hours REAL NOT NULL, digest TEXT NOT NULL, json TEXT NOT NULL,"
    "  hlc INTEGER NOT NULL, origin BLOB NOT NULL,"
    "  PRIMARY KEY(id, version));"
    "CREATE TABLE credential_parts("
    "  credential TEXT NOT NULL, version INTEGER NOT NULL, part TEXT NOT NULL,"
    "  pos INTEGER NOT NULL, kind TEXT NOT NULL, required INTEGER NOT NULL,"
    "  description TEXT NOT NULL,"
    "  PRIMARY KEY(credential, version, part),"
    "  FOREIGN KEY(credential, version) REFERENCES credentials(id, version) ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    /* A rowid table with a unique id, not WITHOUT ROWID keyed by id: ids are random, so rows
     * keyed by them land on random pages and a batch of new educators dirtied (and wrote to the
     * WAL) about one full page per event; now rows append and only the small id index is random
     * (see docs/decisions.md, Store). Every read is by id or ORDER BY id. */
    "CREATE TABLE educators("
    "  id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL,"
    "  hlc INTEGER NOT NULL, origin BLOB NOT NULL);"
    "CREATE TABLE submissions("
    "  id TEXT PRIMARY KEY, educator TEXT NOT NULL, credential TEXT NOT NULL,"
    "  version INTEGER NOT NULL, attempt INTEGER NOT NULL, state TEXT NOT NULL,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL, origin BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX submissions_by_educator ON submissions(educator, credential);"
    "CREATE INDEX submissions_by_state ON submissions(state);"
    "CREATE TABLE evidence("
    "  submission TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,"
    "  part TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL,"
    "  name TEXT, media_type TEXT, hash BLOB, text TEXT,"
    "  hlc INTEGER NOT NULL, origin BLOB NOT NULL,"
    "  PRIMARY KEY(submission, part)) WITHOUT ROWID;",
    /* 2: what each peer is known to hold (the last version vector it sent us, per partition), so
     * a USB bundle carries only what it lacks; and the bundles already imported. */
    "CREATE TABLE IF NOT EXISTS peer_vectors("
    "  peer BLOB NOT NULL CHECK(length(peer) = 32),"
    "  partition TEXT NOT NULL,"
    "  origin BLOB NOT NULL CHECK(length(origin) = 32),"
    "  seq INTEGER NOT NULL CHECK(seq >= 1),"
    "  PRIMARY KEY(peer, partition, origin)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS bundles_seen("
    "  bundle_id BLOB PRIMARY KEY CHECK(length(bundle_id) = 16),"
    "  peer BLOB NOT NULL CHECK(length(peer) = 32),"
    "  applied_at INTEGER NOT NULL);",
    /* 3: a third peer role, 'child-hub': a hub enrolled at this hub (a region at its state hub),
     * which relays its schools' partitions up (PROTOCOL.md section 7.5). */
    "CREATE TABLE peers_v3("
    "  node BLOB PRIMARY KEY CHECK(length(node) = 32),"
    "  role TEXT NOT NULL CHECK(role IN ('school', 'hub', 'child-hub')),"
    "  name TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT INTO peers_v3(node, role, name) SELECT node, role, name FROM peers;"
    "DROP TABLE peers;"
    "ALTER TABLE peers_v3 RENAME TO peers;",
    /* 4: classroom devices paired on the school LAN (PROTOCOL.md 12): their Ed25519 key, the
     * name they gave, when they paired and, once revoked, when (a revoked device is refused). */
    "CREATE TABLE IF NOT EXISTS devices("
    "  pk BLOB PRIMARY KEY CHECK(length(pk) = 32),"
    "  name TEXT NOT NULL,"
    "  paired_at INTEGER NOT NULL,"
    "  revoked_at INTEGER) WITHOUT ROWID;",
    /* 5: review, decision and award projections (PROTOCOL.md 4, "Review concurrency"). The
     * submission state becomes a function of these tables and of the submission's own
     * submitted / withdrawn marks (projection_review.c recomputes it after every event that can
     * change it), so it is the same whatever order events arrive in. Claims, scores and
     * decisions are kept, every one, keyed by (hlc, origin): the current one is the greatest.
     * educators.scope is 'peer' for a trained peer reviewer. Existing rows get their marks from
     * the log. */
    "ALTER TABLE submissions ADD COLUMN previous TEXT;"
    "ALTER TABLE submissions ADD COLUMN submitted INTEGER;"
    "ALTER TABLE submissions ADD COLUMN withdrawn INTEGER;"
    "ALTER TABLE submissions ADD COLUMN withdrawn_origin BLOB;"
    "UPDATE submissions SET submitted = (SELECT min(hlc) FROM events e"
    "  WHERE e.type = 'submission.submit' AND e.entity = submissions.id),"
    " withdrawn = (SELECT min(hlc) FROM events e"
    "  WHERE e.type = 'submission.withdraw' AND e.entity = submissions.id);"
    "UPDATE submissions SET withdrawn_origin = (SELECT origin FROM events e"
    "  WHERE e.type = 'submission.withdraw' AND e.entity = submissions.id"
    "  AND e.hlc = submissions.withdrawn) WHERE withdrawn IS NOT NULL;"
    "ALTER TABLE educators ADD COLUMN scope TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE review_claims("
    "  submission TEXT NOT NULL, hlc INTEGER NOT NULL, origin BLOB NOT NULL,"
    "  assessor TEXT NOT NULL, expires INTEGER NOT NULL,"
    "  PRIMARY KEY(submission, hlc, origin)) WITHOUT ROWID;"
    "CREATE TABLE review_scores("
    "  submission TEXT NOT NULL, part TEXT NOT NULL, hlc INTEGER NOT NULL,"
    "  origin BLOB NOT NULL, assessor TEXT NOT NULL, verdict TEXT NOT NULL,"
    "  feedback TEXT NOT NULL,"
    "  PRIMARY KEY(submission, part, hlc, origin)) WITHOUT ROWID;"
    "CREATE TABLE review_decisions("
    "  submission TEXT NOT NULL, hlc INTEGER NOT NULL, origin BLOB NOT NULL,"
    "  assessor TEXT NOT NULL, outcome TEXT NOT NULL, parts TEXT NOT NULL,"
    "  PRIMARY KEY(submission, hlc, origin)) WITHOUT ROWID;"
    "CREATE TABLE awards("
    "  id TEXT PRIMARY KEY, submission TEXT NOT NULL, educator TEXT NOT NULL,"
    "  achievement TEXT NOT NULL, issued INTEGER NOT NULL, assessor TEXT NOT NULL,"
    "  evidence TEXT NOT NULL, credential TEXT, hlc INTEGER NOT NULL, origin BLOB NOT NULL)"
    "  WITHOUT ROWID;"
    "CREATE INDEX awards_by_submission ON awards(submission);"
    "CREATE INDEX submissions_by_previous ON submissions(previous);",
    /* 6: signed badges (PROTOCOL.md 10.6): where each award sits in its issuer's status list,
     * its revocation (the earliest award.revoke wins), and the latest signed status list of each
     * issuing hub (catalog.status). */
    "ALTER TABLE awards ADD COLUMN status_list TEXT;"
    "ALTER TABLE awards ADD COLUMN status_index INTEGER;"
    "ALTER TABLE awards ADD COLUMN revoked INTEGER;"
    "ALTER TABLE awards ADD COLUMN revoke_reason TEXT;"
    "CREATE TABLE status_lists("
    "  url TEXT PRIMARY KEY, json TEXT NOT NULL, hlc INTEGER NOT NULL, origin BLOB NOT NULL)"
    "  WITHOUT ROWID;",
    /* 7: when the last sync round with each peer completed (unix ms), kept across restarts so
     * `status` is right before the next session; the peer's vectors are in peer_vectors. */
    "CREATE TABLE IF NOT EXISTS peer_sync("
    "  peer BLOB PRIMARY KEY CHECK(length(peer) = 32),"
    "  last_sync_ms INTEGER NOT NULL) WITHOUT ROWID;",
    /* 8: evidence bytes to the hub (PROTOCOL.md 8.3, evidence chunks): submissions whose evidence
     * an assessor asked for first (`cairn evidence prioritize`), and files whose bytes retention
     * purged (their manifest, hashes and reviews stay). Local state of this node, not events. */
    "CREATE TABLE IF NOT EXISTS evidence_priority("
    "  submission TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS evidence_purged("
    "  hash BLOB PRIMARY KEY CHECK(length(hash) = 32), at INTEGER NOT NULL,"
    "  reason TEXT NOT NULL) WITHOUT ROWID;",
    /* 9: full-text search over the catalog (search.h): one row per credential, its latest
     * version, mirrored by triggers into an FTS5 index; an existing catalog is indexed here.
     * Safe to run again (IF NOT EXISTS, OR IGNORE), like migrations 2 and 3. */
    /* The small columns come first: a search reads them for every candidate row, and a column
     * stored after the long texts would be found only by walking the row's overflow pages. */
    "CREATE TABLE IF NOT EXISTS search_docs("
    "  doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,"
    "  pd_hours REAL NOT NULL, peer_reviewable INTEGER NOT NULL, title TEXT NOT NULL,"
    "  competency TEXT NOT NULL, key_method TEXT NOT NULL, components TEXT NOT NULL,"
    "  research TEXT NOT NULL, tags TEXT NOT NULL, rubric TEXT NOT NULL);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, competency, key_method, "
    "components,"
    "  research, tags, rubric, content='search_docs', content_rowid='doc',"
    "  tokenize='porter unicode61');"
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab(search_fts, 'row');"
    "CREATE TRIGGER IF NOT EXISTS search_docs_insert AFTER INSERT ON search_docs BEGIN"
    "  INSERT INTO search_fts(rowid, title, competency, key_method, components, research, tags,"
    "  rubric) VALUES(new.doc, new.title, new.competency, new.key_method, new.components,"
    "  new.research, new.tags, new.rubric); END;"
    "CREATE TRIGGER IF NOT EXISTS search_docs_delete AFTER DELETE ON search_docs BEGIN"
    "  INSERT INTO search_fts(search_fts, rowid, title, competency, key_method, components,"
    "  research, tags, rubric) VALUES('delete', old.doc, old.title, old.competency,"
    "  old.key_method, old.components, old.research, old.tags, old.rubric); END;"
    "CREATE TRIGGER IF NOT EXISTS search_docs_update AFTER UPDATE ON search_docs BEGIN"
    "  INSERT INTO search_fts(search_fts, rowid, title, competency, key_method, components,"
    "  research, tags, rubric) VALUES('delete', old.doc, old.title, old.competency,"
    "  old.key_method, old.components, old.research, old.tags, old.rubric);"
    "  INSERT INTO search_fts(rowid, title, competency, key_method, components, research, tags,"
    "  rubric) VALUES(new.doc, new.title, new.competency, new.key_method, new.components,"
    "  new.research, new.tags, new.rubric); END;"
    "INSERT OR IGNORE INTO search_docs(" CAIRN_SEARCH_DOC_COLUMNS ") " CAIRN_SEARCH_DOC_SELECT
    " WHERE c.version = (SELECT max(version) FROM credentials WHERE id = c.id) ORDER BY c.id;",
    /* 10: recommendations of a credential to an educator (recommendation.c). state is set by the
     * latest (state_hlc, state_origin) of the accept/dismiss events; 0 and x'' before any. */
    "CREATE TABLE IF NOT EXISTS recommendations("
    "  id TEXT PRIMARY KEY, from_educator TEXT NOT NULL, to_educator TEXT NOT NULL,"
    "  credential TEXT NOT NULL, note TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('open', 'accepted', 'dismissed')),"
    "  created INTEGER NOT NULL, origin BLOB NOT NULL,"
    "  state_hlc INTEGER NOT NULL, state_origin BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS recommendations_by_to ON recommendations(to_educator, state);",
    /* 11: kiosk PINs (pin.h): local state, not a projection: never synced, never rebuilt. */
    "CREATE TABLE IF NOT EXISTS educator_pins("
    "  educator TEXT PRIMARY KEY, hash TEXT NOT NULL, failures INTEGER NOT NULL,"
    "  lockouts INTEGER NOT NULL, locked_until INTEGER NOT NULL) WITHOUT ROWID;",
    /* 12: evidence files the hub said it holds complete (a `cstat` with done, PROTOCOL.md 8.3;
     * evidence_at_hub.h): local state of a school, not a projection: never synced, never
     * rebuilt, not in the state hash. Retention at an enrolled school purges only these. */
    "CREATE TABLE IF NOT EXISTS evidence_at_hub("
    "  hash BLOB PRIMARY KEY CHECK(length(hash) = 32),"
    "  at INTEGER NOT NULL) WITHOUT ROWID;",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

int cairn_store_schema_version(void)
{
    return MIGRATION_COUNT;
}

/* Runs a one-row, one-integer query; *v is 0 when there is no row. */
static int query_int(sqlite3 *db, const char *sql, long long *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    *v = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int fail_db(sqlite3 *db, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return CAIRN_ESTORE;
}

int cairn_store_schema_check(sqlite3 *db, char *err, size_t errlen)
{
    long long app = 0, tables = 0, meta = 0;
    if (query_int(db, "PRAGMA application_id", &app) != SQLITE_OK ||
        query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", &tables) !=
            SQLITE_OK ||
        query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'meta'", &meta) != SQLITE_OK)
        return fail_db(db, err, errlen, "reading the schema");
    if ((app != 0 && app != CAIRN_STORE_APPLICATION_ID) || (tables > 0 && meta == 0)) {
        snprintf(err, errlen, "not a Cairn database (application_id %lld)", app);
        return CAIRN_EDATADIR;
    }
    return 0;
}

static int current_version(sqlite3 *db, long long *v, char *err, size_t errlen)
{
    if (query_int(db, "SELECT value FROM meta WHERE key = 'schema_version'", v) != SQLITE_OK)
        return fail_db(db, err, errlen, "reading the schema version");
    return 0;
}

/* Applies migration number `to` (1-based) if the database is still just below it. */
static int apply_one(sqlite3 *db, int to, char *err, size_t errlen)
{
    char sql[160];
    long long v;
    int rc;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail_db(db, err, errlen, "starting a migration");
    rc = current_version(db, &v, err, errlen);
    if (rc == 0 && v >= to)
        goto commit; /* another process got here first */
    if (rc == 0 && sqlite3_exec(db, migrations[to - 1], NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "schema migration %d: %s", to, sqlite3_errmsg(db));
        rc = CAIRN_ESTORE;
    }
    snprintf(sql, sizeof sql,
             "INSERT INTO meta(key, value) VALUES('schema_version', %d)"
             " ON CONFLICT(key) DO UPDATE SET value = excluded.value;"
             "PRAGMA application_id = %d;",
             to, CAIRN_STORE_APPLICATION_ID);
    if (rc == 0 && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        rc = fail_db(db, err, errlen, "recording the schema version");
commit:
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail_db(db, err, errlen, "committing a migration");
    if (rc != 0 && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int cairn_store_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
    long long v;
    int rc;
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value NOT NULL)"
                     " WITHOUT ROWID",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail_db(db, err, errlen, "creating the meta table");
    rc = current_version(db, &v, err, errlen);
    if (rc != 0)
        return rc;
    if (v > MIGRATION_COUNT) {
        snprintf(err, errlen, "database schema version %lld is newer than this cairnd (%d)", v,
                 MIGRATION_COUNT);
        return CAIRN_EUNSUPPORTED;
    }
    for (int to = (int)v + 1; to <= MIGRATION_COUNT; to++) {
        rc = apply_one(db, to, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}
