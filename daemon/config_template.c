/*
 * config_template.c: the documented cairnd.conf that `cairnd init` writes (and conf/school.conf and
 * conf/hub.conf are copies of, checked by test_config): every key, commented out at its default,
 * with its meaning. Split from config.c, which parses; this file only writes.
 */
#include <stdio.h>

#include <cairn/err.h>

#include "config.h"
#include "fsutil.h"

/* The documented default file. Two %s: role, name. Lines stay well under inih's limit. */
static const char config_template[] =
    "# cairnd.conf: configuration of one Cairn daemon (cairnd), read once at start-up.\n"
    "#\n"
    "# INI format. Comments are whole lines starting with '#' or ';'. An unknown section or\n"
    "# key, a key set twice or a bad value stops cairnd with \"FILE:LINE: what was wrong\".\n"
    "# Check this file without starting the daemon: cairnd check-config --data DIR\n"
    "# Sizes are bytes, or a number with a K, M or G suffix (powers of 1024): 1M = 1048576.\n"
    "# A commented-out key shows its default value; remove the '# ' to change it.\n"
    "\n"
    "[node]\n"
    "# role: what this node is (required).\n"
    "#   school = a school box: serves kiosks and teachers' devices, syncs to its hub.\n"
    "#   hub    = a regional hub: receives from schools, runs reviews, issues badges.\n"
    "role = %s\n"
    "# name: a human-readable name for this node, shown by `cairn status` (required;\n"
    "# 1 to 127 printable characters).\n"
    "name = %s\n"
    "\n"
    "[api]\n"
    "# listen: loopback TCP address of the local API, HOST:PORT (IPv6 as [::1]:PORT).\n"
    "# Off by default (port 0): local clients use the Unix socket below, which only root\n"
    "# and the daemon's user and group can open. The TCP port has no authentication:\n"
    "# every local user and process gets the whole API, so open it only on a box with\n"
    "# no other accounts. Only 127.0.0.0/8 and ::1 are accepted, e.g. 127.0.0.1:7420.\n"
    "# `cairnd run --listen HOST:PORT` overrides it; with port 0 there the kernel picks a\n"
    "# free port and cairnd writes it to DATADIR/cairnd.port.\n"
    "# listen = 127.0.0.1:0\n"
    "# socket: file name of the Unix socket inside the data dir (mode 0660).\n"
    "# socket = cairnd.sock\n"
    "# max_connections: clients served at once, Unix socket and TCP together (1..4096).\n"
    "# Each connection may hold up to write_concurrency chunks in memory while writing.\n"
    "# max_connections = 64\n"
    "# lan_listen: address classroom devices on the school LAN connect to, HOST:PORT (any IP\n"
    "# address, e.g. 0.0.0.0:7411). Off by default; port 0 keeps it off. Only devices paired\n"
    "# with `cairnd pair` are served there, every byte through the secure channel (PROTOCOL.md\n"
    "# 12). `cairnd run --lan-listen HOST:PORT` overrides it (port 0 there: an ephemeral\n"
    "# port, written to DATADIR/cairnd.lan-port).\n"
    "# example, to serve devices on every interface:\n"
    "#   lan_listen = 0.0.0.0:7411\n"
    "\n"
    "[blobs]\n"
    "# chunk_size: size of the pieces this node cuts files into when it splits them itself\n"
    "# (64K..2M). Uploads from clients name their own chunk size in blob.begin.\n"
    "# chunk_size = 1M\n"
    "# disk_reserve: space always left free on the data dir's filesystem. An upload that\n"
    "# would cross it is refused before its first byte (ENOSPACE). 0 = no reserve.\n"
    "# disk_reserve = 1G\n"
    "# write_concurrency: chunks of one connection written and fsync'd in parallel (1..64).\n"
    "# Reading from that connection pauses while this many are in flight, which also\n"
    "# bounds the memory an upload uses to write_concurrency x chunk size.\n"
    "# write_concurrency = 4\n"
    "# purge_after_award: days after a submission's award (award.issue) that the bytes of its\n"
    "# video evidence are purged here (0 = at the next check, every 10 minutes); off = never.\n"
    "# The manifest, hashes, review and award stay; `cairn evidence show` says when.\n"
    "# purge_after_award = off\n"
    "# purge_after_age: days after a video was added that its bytes are purged, once its\n"
    "# submission is decided; off = never. Never purged while a review is pending or in a draft.\n"
    "# purge_after_age = off\n"
    "# partial_max_age: days a partially received chunk (blobs/partial/) may go without a new\n"
    "# byte before it is removed (the transfer starts that chunk again if its peer comes back);\n"
    "# Off: never for that reason. Partials no longer wanted (withdrawn, replaced, purged,\n"
    "# revoked school) are removed at start-up and every 10 minutes whatever this says.\n"
    "# partial_max_age = 30\n"
    "\n"
    "[log]\n"
    "# level: least severe messages written to stderr: debug, info, warn or error.\n"
    "# Evidence content and keys are never logged at any level.\n"
    "# level = info\n"
    "\n"
    "[sync]\n"
    "# listen: (hub) address schools connect to for sync, HOST:PORT. Any IP address is\n"
    "# accepted here: it faces the schools, and every byte on it goes through the secure\n"
    "# channel. Port 0 disables it. `cairnd run --sync-listen HOST:PORT` overrides it; the\n"
    "# port bound is written to DATADIR/cairnd.sync-port. Ignored by a school.\n"
    "# listen = 127.0.0.1:7421\n"
    "# reconnect_min_ms, reconnect_max_ms: (school, or a hub with a parent hub) after a lost\n"
    "# or refused connection to the hub, wait a random time up to min x 2^attempts, capped at\n"
    "# max (exponential backoff with full jitter; 10..3600000). A good session resets it.\n"
    "# reconnect_min_ms = 500\n"
    "# reconnect_max_ms = 60000\n"
    "# upload_rate: (school) most evidence bytes per second sent to the hub, e.g. 200K on a\n"
    "# shared 2 Mbit/s link; 0 = no cap. Events (reviews, submissions) are never held back.\n"
    "# upload_rate = 0\n"
    "# upload_windows: (school) when evidence may be sent, local time: comma-separated items\n"
    "# '[DAYS] [HH:MM-HH:MM]' (days mon..sun or a range mon-fri; a time range ending before it\n"
    "# starts runs past midnight), or 'always'. Outside them evidence waits; events still go.\n"
    "# Example: upload_windows = 16:00-07:00, sat, sun\n"
    "# upload_windows = always\n"
    "\n"
    "[review]\n"
    "# (hub) target_days: the review queue shows each submission's age against this target\n"
    "# and flags those over it (1..3650). claim_hours: a claim nobody works on (no score) for\n"
    "# this long expires and another assessor may claim the submission (1..3650).\n"
    "# peer_review, double_blind: credential ids (comma or space separated) that allow peer\n"
    "# reviewers / hide the teacher and school from assessors, for credentials whose catalog\n"
    "# entry has no peer_review / double_blind field (the catalog field wins when present).\n"
    "# target_days = 14\n"
    "# claim_hours = 48\n"
    "# peer_review =\n"
    "# double_blind =\n"
    "\n"
    "[school]\n"
    "# timezone: the school's time zone (an IANA name such as Africa/Nairobi, or UTC) for\n"
    "# calendar days: transcript periods (--from/--to), award dates and PD hours per year, and\n"
    "# the local times of [sync] upload_windows. Default: the box's own zone (/etc/localtime).\n"
    "# At a hub: the hub's zone. cairnd check-config refuses a name the zone database lacks.\n"
    "# Example: timezone = Africa/Nairobi\n";

int cairn_config_write_default(const char *path, cairn_role_t role, const char *name)
{
    if (role != CAIRN_ROLE_SCHOOL && role != CAIRN_ROLE_HUB)
        return CAIRN_EINVAL;
    if (cairn_config_check_name(name, NULL, 0) != 0)
        return CAIRN_EINVAL;
    char buf[sizeof config_template + 256];
    int n = snprintf(buf, sizeof buf, config_template, cairn_role_name(role), name);
    if (n < 0 || (size_t)n >= sizeof buf)
        return CAIRN_EINVAL;
    return cairn_fs_write_atomic(path, buf, (size_t)n, 0600);
}
