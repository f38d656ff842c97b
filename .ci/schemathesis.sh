#!/usr/bin/env bash
# Schemathesis against a live server: generated requests on every operation of the OpenAPI schema, once as a steward
# (DRF token) and once as a source system (API key). Fails on a server error (5xx) or a response that does not match
# the schema. Bounded: a few examples per operation and a time budget per run.
#
# It serves gunicorn on a free port, on a PostgreSQL database of its own (dropped and created anew, migrated), with a
# few records ingested so that reads find something. Prints the figures from gunicorn's access log: requests, 5xx.
#
#   .ci/schemathesis.sh                # what .ci/run calls, after the tests
#   ST_MAX_EXAMPLES=25 ST_MAX_TIME=300 .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
ST_DATABASE_URL="${ST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/steward_schemathesis}"
ST_BROKER_URL="${ST_BROKER_URL:-redis://127.0.0.1:6379/14}"
ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-10}"
ST_MAX_TIME="${ST_MAX_TIME:-150}"  # seconds per run
OUT="${ST_OUT:-var/schemathesis}"

rm -rf "$OUT" && mkdir -p "$OUT"
export DATABASE_URL="$ST_DATABASE_URL" CELERY_BROKER_URL="$ST_BROKER_URL" STEWARD_DEV=1 DEBUG=0 LOG_LEVEL=WARNING

log() { printf '\n== schemathesis: %s\n' "$*"; }

log "database ${ST_DATABASE_URL##*/} (new), migrated"
$PY - <<'EOF'
import os

import dj_database_url
import psycopg

config = dj_database_url.parse(os.environ["DATABASE_URL"])
name = config["NAME"]
admin = f"postgresql://{config['USER']}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/postgres"
with psycopg.connect(admin, autocommit=True) as connection:
    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.execute(f'CREATE DATABASE "{name}"')
EOF
$PY manage.py migrate --noinput -v 0

log "a steward with a token, a source key, a few records"
TOKEN=$($PY manage.py shell -c '
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
user = User.objects.create_user("st-steward")  # no password: the token is its only way in
user.groups.add(Group.objects.get(name="steward"))
print(Token.objects.create(user=user).key)' 2>/dev/null | tail -1)
KEY=$($PY manage.py source_key erp 2>/dev/null | tail -1)

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
.venv/bin/gunicorn stewardship.wsgi -c python:stewardship.gunicorn --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 \
  --access-logfile "$OUT/access.log" --error-logfile "$OUT/server.log" 2>>"$OUT/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

curl -fsS -X POST "$BASE/api/v1/sources/erp/customers/batch/" -H "Authorization: Api-Key $KEY" \
  -H "Content-Type: application/json" -o /dev/null -d '{"records": [
    {"source_key": "E1", "updated_at": "2026-01-01T10:00:00Z", "attributes": {"given_name": "Ann", "family_name": "Lee",
     "email": "ann@example.com", "country": "GB", "erp_account_number": "ACC-1"}},
    {"source_key": "E2", "updated_at": "2026-01-01T10:00:00Z", "attributes": {"given_name": "Bob", "family_name": "Stone",
     "email": "bob@example.com", "country": "GB"}}]}'
curl -fsS -X POST "$BASE/api/v1/sources/erp/products/batch/" -H "Authorization: Api-Key $KEY" \
  -H "Content-Type: application/json" -o /dev/null -d '{"records": [
    {"source_key": "P1", "updated_at": "2026-01-01T10:00:00Z", "attributes": {"gtin": "4006381333931", "sku": "P1",
     "name": "Mug", "price": "9.90", "currency": "EUR"}}]}'
curl -fsS "$BASE/api/schema/?format=json" -H "Authorization: Token $TOKEN" -o "$OUT/schema.json"

status=0
run() {  # $1: who, $2: Authorization header
  log "as $1: at most $ST_MAX_EXAMPLES examples per operation, ${ST_MAX_TIME}s"
  local before
  before=$(wc -l <"$OUT/access.log")
  .venv/bin/schemathesis run "$OUT/schema.json" --url "$BASE" -H "Authorization: $2" \
    --checks not_a_server_error,response_schema_conformance --max-examples "$ST_MAX_EXAMPLES" \
    --max-time "$ST_MAX_TIME" --request-timeout 30 --workers 1 --seed 21 --no-color \
    --report junit --report-junit-path "$OUT/junit-$1.xml" >"$OUT/run-$1.txt" 2>&1 || status=1
  tail -n 25 "$OUT/run-$1.txt"
  tail -n +"$((before + 1))" "$OUT/access.log" >"$OUT/access-$1.log"
}
run steward "Token $TOKEN"
run source "Api-Key $KEY"

log "figures (gunicorn's access log)"
for who in steward source; do
  awk -v who="$who" '{ for (i = 1; i <= NF; i++) if ($i ~ /^HTTP\/[0-9.]+"$/) { code = $(i + 1); break }
    total++; if (code ~ /^5/) server++; by[code]++ }
    END { printf "%s: %d requests, %d answered 5xx; by status:", who, total, server;
          for (c in by) printf " %s=%d", c, by[c]; printf "\n" }' "$OUT/access-$who.log"
done
exit $status
