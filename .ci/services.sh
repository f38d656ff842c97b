#!/usr/bin/env bash
# What the test suite needs on this machine, started when down and, with --install, installed with apt-get when
# missing (Debian, Ubuntu; sudo when not root). Quiet when everything is there already.
#   postgresql  PostgreSQL on 127.0.0.1:5432, user postgres without a password (the tests, Tryton and Medusa)
#   redis       Redis on 127.0.0.1:6379, and redis-server itself (the sync tests start private ones)
#   node        Node.js 20.19 or later with npm (the Medusa server of the commerce connector's tests)
# Usage: .ci/services.sh [--install] [postgresql] [redis] [node]   (all three when none is named)
set -euo pipefail

NODE_MIN=20.19  # connectors/commerce/medusa/package.json, "engines"
PG_TRUST="host all postgres 127.0.0.1/32 trust"

install=0
wanted=()
for arg in "$@"; do
  case $arg in
    --install) install=1 ;;
    postgresql | redis | node) wanted+=("$arg") ;;
    *) echo "usage: $0 [--install] [postgresql] [redis] [node]" >&2; exit 2 ;;
  esac
done
[ ${#wanted[@]} -gt 0 ] || wanted=(postgresql redis node)

say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }
sudo_() {  # run as root: directly when root, else through sudo
  if [ "$(id -u)" = 0 ]; then "$@"; else
    command -v sudo >/dev/null || die "needs root for: $* (run as root, or install sudo)"
    sudo "$@"
  fi
}
wait_for() {  # wait_for <what> <command...>
  local what=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what did not come up"
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
pg_port_open() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
pg_cluster() { ls /etc/postgresql 2>/dev/null | head -n 1 || true; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null \
    && dpkg_ge "$(node --version 2>/dev/null | tr -d v)" "$NODE_MIN"
}
dpkg_ge() {  # version $1 >= $2; an apt version's epoch is dropped (1:18.x is still 18)
  local version=${1#*:}
  [ -n "$version" ] || return 1
  if command -v dpkg >/dev/null; then dpkg --compare-versions "$version" ge "$2"; else
    [ "$(printf '%s\n%s\n' "$2" "$version" | sort -V | head -n 1)" = "$2" ]
  fi
}

# What is missing, as apt packages and as what a person would install elsewhere.
packages=()
needs=()
if wants postgresql; then
  if ! pg_port_open && [ -z "$(pg_cluster)" ]; then
    packages+=(postgresql)
    needs+=("PostgreSQL (server and client) on 127.0.0.1:5432 with user postgres trusted there")
  elif ! command -v pg_isready >/dev/null || ! command -v psql >/dev/null; then
    packages+=(postgresql-client)  # a server is there (a cluster, or something answering on the port)
    needs+=("PostgreSQL's client (psql, pg_isready)")
  fi
fi
if wants redis && ! { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }; then
  packages+=(redis-server)
  needs+=("Redis (redis-server and redis-cli)")
fi
if wants node && ! node_ok; then
  packages+=(nodejs)
  needs+=("Node.js $NODE_MIN or later (Node.js 20) with npm")
fi

fresh_postgresql=0
if [ ${#packages[@]} -gt 0 ]; then
  missing=$(printf '%s; ' "${needs[@]}")
  [ "$install" = 1 ] || die "missing: ${missing%; }. Install them, or run $0 --install (make test does)."
  command -v apt-get >/dev/null \
    || die "this machine has no apt-get (not Debian or Ubuntu): install ${missing%; } yourself, then run again."
  sudo_ apt-get update -qq
  if [[ " ${packages[*]} " == *" nodejs "* ]]; then
    # Debian 12's own nodejs is 18: refuse it rather than install a Node.js that Medusa cannot run on.
    candidate=$(apt-cache policy nodejs | awk '/Candidate:/ { print $2 }')
    dpkg_ge "$candidate" "$NODE_MIN" || die "Medusa needs Node.js 20 ($NODE_MIN or later) with npm, and this machine's" \
      "apt sources offer nodejs ${candidate:-none}. Install Node.js 20 yourself (e.g. NodeSource's node_20.x" \
      "repository: https://github.com/nodesource/distributions), then run again. Nothing was installed."
  fi
  [[ " ${packages[*]} " != *" postgresql "* ]] || fresh_postgresql=1
  say "installing ${packages[*]} with apt-get"
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  # Debian splits npm from its nodejs; NodeSource's nodejs carries it.
  if [[ " ${packages[*]} " == *" nodejs "* ]] && ! command -v npm >/dev/null; then
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
fi

if wants postgresql; then
  cluster=$(pg_cluster)
  if [ "$fresh_postgresql" = 1 ]; then
    # Only a cluster installed just now: the tests connect as postgres over TCP without a password. An existing
    # cluster's authentication is never rewritten.
    [ -n "$cluster" ] || die "apt-get installed PostgreSQL but created no cluster in /etc/postgresql"
    hba="/etc/postgresql/$cluster/main/pg_hba.conf"
    say "trusting user postgres on 127.0.0.1 in $hba"
    sudo_ sed -i "1i # Added by Steward's .ci/services.sh: the tests connect as postgres without a password.\\n$PG_TRUST" "$hba"
    if pg_up; then sudo_ pg_ctlcluster --skip-systemctl-redirect "$cluster" main reload; fi
  fi
  if ! pg_up; then
    [ -n "$cluster" ] || die "PostgreSQL is not answering on 127.0.0.1:5432 and there is no cluster in /etc/postgresql"
    say "starting PostgreSQL $cluster"
    sudo_ pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
    wait_for "PostgreSQL on 127.0.0.1:5432" pg_up
  fi
  psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -w -Atqc 'SELECT 1' >/dev/null 2>&1 \
    || die "PostgreSQL on 127.0.0.1:5432 refuses user postgres without a password, as the tests connect. Put" \
      "\"$PG_TRUST\" first in /etc/postgresql/${cluster:-<version>}/main/pg_hba.conf and reload it" \
      "(pg_ctlcluster ${cluster:-<version>} main reload)."
fi

if wants redis && ! redis_up; then
  say "starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_for "Redis on 127.0.0.1:6379" redis_up
fi

if wants node && ! node_ok; then
  die "Node.js $NODE_MIN or later with npm is still missing (node: $(node --version 2>&1 || true))"
fi
