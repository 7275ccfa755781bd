#!/bin/sh
# Restore a dump of scripts/backup-pg.sh into an EMPTY database, then verify the books.
#
#   scripts/restore-pg.sh FILE.dump postgresql://haiyan_owner@db1/haiyan_restored
#
# Refuses a database that already has tables (restore into a new one, check it,
# then point the service at it: docs/DEPLOY.md, "Restore"). The restore is one
# transaction: it lands whole or not at all. Then `haiyan db upgrade` (a dump of
# an older release gets this release's migrations) and `haiyan ledger verify`,
# whose exit status is the script's. RESTORE_NO_OWNER=1 restores without the
# dump's owners and grants (into a cluster that lacks its roles).
set -eu

file="${1:?usage: restore-pg.sh FILE.dump TARGET_DATABASE_URL}"
target="${2:?usage: restore-pg.sh FILE.dump TARGET_DATABASE_URL}"
haiyan="${HAIYAN:-haiyan}"
libpq=$(printf '%s' "$target" | sed 's|^postgresql+psycopg://|postgresql://|')

tables=$(psql "$libpq" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
    echo "error: the target database has $tables table(s); restore into an empty one" >&2
    exit 2
fi
if [ "${RESTORE_NO_OWNER:-0}" = "1" ]; then
    pg_restore --exit-on-error --single-transaction --no-owner --no-acl --dbname="$libpq" "$file"
else
    pg_restore --exit-on-error --single-transaction --dbname="$libpq" "$file"
fi
DATABASE_URL="$target" "$haiyan" db upgrade
DATABASE_URL="$target" "$haiyan" ledger verify
