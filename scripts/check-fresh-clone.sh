#!/usr/bin/env bash
# The README's set-up, exactly as a new user runs it, on a fresh clone of the committed
# HEAD: `npm ci && npx sockaudit snapshot`, then `npx sockaudit list` must show it.
# Used by .ci/run; runs in a temporary directory and removes it afterwards.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/sockaudit-fresh-clone.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone --quiet "$repo" "$work/sockaudit"
cd "$work/sockaudit"
export SOCKAUDIT_DB="$work/sockaudit.db"
npm ci --no-audit --no-fund --loglevel=error && npx sockaudit snapshot
npx sockaudit list | grep -q '^ *1 ' || { echo "fresh clone: the snapshot is not listed" >&2; exit 1; }
echo "fresh clone: npm ci && npx sockaudit snapshot works"
