#!/bin/sh
# Back up the county's PostgreSQL database with pg_dump (docs/DEPLOY.md, "Backups").
#
#   DATABASE_URL=postgresql://haiyan_owner@db1/haiyan scripts/backup-pg.sh [DIR]
#
# Writes DIR/haiyan-YYYYMMDDTHHMMSSZ.dump (pg_dump's custom format: every table,
# the queue's tables and functions, owners and grants), readable by the account
# that runs it only, checks that pg_restore can read it, prints its path, and
# deletes dumps older than KEEP_DAYS (default 30) in DIR. A dump is one
# consistent moment of the database, taken while the service runs.
set -eu

url="${DATABASE_URL:?set DATABASE_URL to the county database (the owner role)}"
url=$(printf '%s' "$url" | sed 's|^postgresql+psycopg://|postgresql://|')
dir="${1:-/var/backups/haiyan}"
keep="${KEEP_DAYS:-30}"

umask 077
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$dir/haiyan-$stamp.dump"

pg_dump --format=custom --compress=6 --file="$file.part" "$url"
pg_restore --list "$file.part" >/dev/null  # a whole, readable archive
mv "$file.part" "$file"
find "$dir" -maxdepth 1 -name 'haiyan-*.dump' -mtime +"$keep" -delete
echo "$file"
