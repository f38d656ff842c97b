#!/usr/bin/env bash
# Install the Tryton server used by the ERP connector's tests into its own venv (var/tryton/venv by default),
# never into Steward's .venv. Idempotent: a marker keyed on the requirements' hash and the Python version makes a
# second run a no-op that takes milliseconds. Safe to run concurrently (one installer at a time, the others wait).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
requirements="$here/requirements.txt"
venv="${TRYTON_VENV:-$root/var/tryton/venv}"
python="${TRYTON_PYTHON:-python3}"

key="$( (cat "$requirements"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)"
marker="$venv/.steward-installed-$key"
[ -f "$marker" ] && [ -x "$venv/bin/trytond" ] && exit 0

mkdir -p "$(dirname "$venv")"
exec 9>"$(dirname "$venv")/.install.lock"
flock 9
# Another installer may have finished while we waited for the lock.
[ -f "$marker" ] && [ -x "$venv/bin/trytond" ] && exit 0

echo "tryton: installing $(grep -m1 '^trytond==' "$requirements") into $venv" >&2
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
rm -f "$venv"/.steward-installed-*
touch "$marker"
echo "tryton: installed" >&2
