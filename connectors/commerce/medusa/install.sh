#!/usr/bin/env bash
# Installs the Medusa v2 test server into var/medusa (git-ignored): copies package.json, the lockfile and the config
# there and installs exactly the locked versions. Idempotent: a marker holding the lockfile's hash (and the Node
# major version) makes a second run a fast no-op (~0.3 s).
# Usage: connectors/commerce/medusa/install.sh   (from anywhere; STEWARD_MEDUSA_DIR overrides the target)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${STEWARD_MEDUSA_DIR:-$root/var/medusa}"
files=(.npmrc package.json package-lock.json medusa-config.js tsconfig.json)

command -v node >/dev/null || { echo "install.sh: node is not installed (Medusa v2 needs Node >= 20.19)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install.sh: npm is not installed" >&2; exit 1; }

mkdir -p "$target"
for file in "${files[@]}"; do
    # Copy only what changed, so a warm run touches nothing.
    cmp -s "$here/$file" "$target/$file" || cp "$here/$file" "$target/$file"
done

key="$(cat "$here/package-lock.json" | sha256sum | cut -d' ' -f1) node-$(node -p 'process.versions.node.split(".")[0]')"
marker="$target/node_modules/.steward-installed"
if [[ -f "$marker" && "$(cat "$marker")" == "$key" && -x "$target/node_modules/.bin/medusa" ]]; then
    exit 0
fi

echo "install.sh: installing Medusa into $target (a few minutes the first time)" >&2
cd "$target"
# `npm install --no-save` rather than `npm ci`: it installs exactly the locked versions too, but tolerates the
# lockfile lacking other platforms' optional binaries (@rollup/rollup-darwin-*, @msgpackr-extract/*-win32-*, ...),
# which a registry mirror without those versions leaves out and which `npm ci` would reject as "not in sync".
npm install --no-save --no-audit --no-fund --loglevel=error
echo "$key" > "$marker"
