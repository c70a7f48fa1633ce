/*
 * store_schema.h: the database schema and its migrations.
 *
 * The schema version lives in the `meta` table (key 'schema_version'). Migrations form an ordered
 * array; each is applied in a transaction of its own together with the version bump, so a crash
 * leaves the database at some whole version. A database newer than this binary is refused rather
 * than guessed at.
 */
#ifndef CAIRN_STORE_SCHEMA_H
#define CAIRN_STORE_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

/* SQLite's application_id for a Cairn database: "CARN". */
#define CAIRN_STORE_APPLICATION_ID 0x4341524e

/* The version this binary writes (the number of migrations). */
int cairn_store_schema_version(void);

/* Refuses some other program's database (CAIRN_EDATADIR): one with a foreign application_id, or
 * with tables but no `meta` table. Run before anything changes the file, even its journal mode. */
int cairn_store_schema_check(sqlite3 *db, char *err, size_t errlen);

/* Brings db up to cairn_store_schema_version(). Returns 0; CAIRN_EUNSUPPORTED if the database is
 * newer than this binary, or CAIRN_ESTORE, with the reason in err. */
int cairn_store_schema_migrate(sqlite3 *db, char *err, size_t errlen);

#endif
