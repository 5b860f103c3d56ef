#!/usr/bin/env bash
# The package as a user gets it (issue 14): `npm pack`, then
#  1. install the tarball into an empty directory: `sockaudit doctor --json` must report the
#     addon loaded from the prebuild and the chunks from their code caches, and
#     `sockaudit collect --json` must list the sockets `ss` lists (a few held open here, by
#     inode and family, and the whole tcp/udp/unix set);
#  2. install it again without its prebuilds and with no compiler (nor python3, make) on the
#     PATH: the install must succeed, doctor must say why the addon is not loaded, and
#     collect must list the same sockets through the JavaScript paths.
# better-sqlite3 compiles from source in (1) when its own prebuilt binary cannot be
# downloaded (no route to GitHub in CI). (2) cannot compile anything, so it starts from a copy
# of (1)'s directory (package.json, lock file and node_modules): npm then replaces only
# sockaudit, runs only sockaudit's install script, and keeps the better-sqlite3 built in (1).
# Used by .ci/run (counted as one test); needs npm's registry, python3 and ss. Cleans up.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/sockaudit-package.XXXXXX)
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package check: $*" >&2; exit 1; }
npm_quiet=(--no-audit --no-fund --loglevel=error)

# --- pack -------------------------------------------------------------------------------
(cd "$repo" && npm pack --pack-destination "$work" "${npm_quiet[@]}" >"$work/pack.log" 2>&1) || { cat "$work/pack.log" >&2; fail "npm pack failed"; }
tarball=$(ls "$work"/sockaudit-*.tgz)
listing=$(tar tzf "$tarball")
for file in package/dist/bin/sockaudit.cjs package/dist/bin/code-cache/built-by.json package/dist/vendor/kysely.cjs package/native/binding.gyp package/native/addon.c \
    package/native/prebuilds/linux-x64/sockaudit.glibc.node package/scripts/install-native.cjs; do
  grep -qx "$file" <<<"$listing" || fail "the tarball lacks $file"
done
! grep -q '^package/native/build/' <<<"$listing" || fail "the tarball carries a local build (native/build/)"
echo "package check: packed $(basename "$tarball") ($(wc -l <<<"$listing") files; prebuilds: $(grep -c '\.node$' <<<"$listing"))"

# --- sockets to find, held open by a process of ours --------------------------------------
python3 -c '
import os, socket, sys, time
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", 0)); t.listen(4)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", 0))
x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); x.bind(sys.argv[1]); x.listen(4)
ino = lambda s: os.fstat(s.fileno()).st_ino
print("tcp %d\nudp %d\nunix %d" % (ino(t), ino(u), ino(x)), flush=True)
sys.stdin.close(); time.sleep(3600)
' "$work/held.sock" >"$work/held.txt" &
holder=$!
for _ in $(seq 50); do [ -s "$work/held.txt" ] && [ "$(wc -l <"$work/held.txt")" = 3 ] && break; sleep 0.1; done
[ "$(wc -l <"$work/held.txt")" = 3 ] || fail "the socket holder did not start"

# compare_with_ss DIR: collect --json of DIR's sockaudit lists the held sockets and what ss lists
compare_with_ss() {
  local bin=$1/node_modules/.bin/sockaudit
  ss -a -n -e -A tcp,udp,unix >"$work/ss1.txt"
  "$bin" collect --json >"$work/collect1.json" 2>"$work/collect.err" || { cat "$work/collect.err" >&2; fail "collect failed in $1"; }
  ss -a -n -e -A tcp,udp,unix >"$work/ss2.txt"
  "$bin" collect --json >"$work/collect2.json" 2>>"$work/collect.err" || fail "collect failed in $1"
  node - "$work" <<'NODE'
const fs = require('fs');
const work = process.argv[2];
function ssInodes(file) {
  const inodes = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
    const tokens = line.trim().split(/\s+/);
    const netid = tokens[0];
    if (!netid) continue;
    if (netid.startsWith('u_')) {
      for (let i = 4; i + 2 < tokens.length; i++) {
        if (tokens[i + 1] === '*' && /^\d+$/.test(tokens[i]) && /^\d+$/.test(tokens[i + 2])) { inodes.set(Number(tokens[i]), 'unix'); break; }
      }
    } else {
      const match = /\bino:(\d+)/.exec(line);
      if (match && match[1] !== '0') inodes.set(Number(match[1]), netid);
    }
  }
  return inodes;
}
const ours = new Map();
for (const name of ['collect1.json', 'collect2.json']) {
  for (const socket of JSON.parse(fs.readFileSync(`${work}/${name}`, 'utf8')).sockets) ours.set(socket.inode, socket.family);
}
const held = fs.readFileSync(`${work}/held.txt`, 'utf8').trim().split('\n').map((line) => line.split(' '));
for (const [family, inode] of held) {
  if (ours.get(Number(inode)) !== family) { console.error(`held ${family} socket ${inode}: listed as ${ours.get(Number(inode))}`); process.exit(1); }
}
const first = ssInodes(`${work}/ss1.txt`), second = ssInodes(`${work}/ss2.txt`);
const missed = [...first.keys()].filter((inode) => second.has(inode) && !ours.has(inode));
if (first.size === 0 || missed.length > 0) { console.error(`ss listed ${first.size} sockets; sockaudit missed ${missed.join(', ')}`); process.exit(1); }
console.log(`package check:   collect lists the ${held.length} held sockets and all ${first.size} that ss lists`);
NODE
}

# --- 1. install as a user does ----------------------------------------------------------
mkdir "$work/user"
(cd "$work/user" && npm install "${npm_quiet[@]}" "$tarball" >"$work/install1.log" 2>&1) || { cat "$work/install1.log" >&2; fail "npm install of the tarball failed"; }
[ ! -e "$work/user/node_modules/sockaudit/native/build" ] || fail "the install compiled the addon although a prebuild fits"
"$work/user/node_modules/.bin/sockaudit" doctor --json --db "$work/user.db" >"$work/doctor1.json" || true
node -e '
const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const addon = report.addon;
if (!addon.loaded || addon.origin !== "prebuild" || !/\/node_modules\/sockaudit\/native\/prebuilds\/linux-x64\//.test(addon.file)) {
  console.error("doctor: the addon is not loaded from the prebuild:", JSON.stringify(addon)); process.exit(1);
}
if (report.tables.find((t) => t.table === "net/tcp").source !== "sock_diag") { console.error("doctor: net/tcp is not read by sock_diag"); process.exit(1); }
const cache = report.codeCache;
if (cache.loaded === 0 || cache.rejected !== 0) { console.error("doctor: the code caches did not load:", JSON.stringify(cache)); process.exit(1); }
console.log(`package check: installed; doctor: addon from ${addon.file.replace(/.*node_modules\//, "")}, ${cache.loaded} chunks from their code caches`);
' "$work/doctor1.json"
compare_with_ss "$work/user"

# --- 2. no prebuild, no compiler -----------------------------------------------------------
mkdir "$work/unpacked"
tar xzf "$tarball" -C "$work/unpacked"
rm -rf "$work/unpacked/package/native/prebuilds"
tar czf "$work/sockaudit-without-prebuilds.tgz" -C "$work/unpacked" package
mkdir "$work/bare-bin"
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [ -d "$dir" ] || continue
  for tool in "$dir"/*; do
    name=$(basename "$tool")
    case "$name" in
      cc|c++|cpp|gcc|g++|make|gmake|clang*|python*|*-gcc|*-gcc-*|*-g++|*-g++-*|*-cc|gcc-*|g++-*|cpp-*) continue ;;
    esac
    [ -e "$work/bare-bin/$name" ] || ln -s "$tool" "$work/bare-bin/$name"
  done
done
cp -a "$work/user" "$work/bare"
(cd "$work/bare" && PATH="$work/bare-bin" npm install "${npm_quiet[@]}" --foreground-scripts "$work/sockaudit-without-prebuilds.tgz" >"$work/install2.log" 2>&1) \
  || { cat "$work/install2.log" >&2; fail "npm install without prebuilds and without a compiler failed"; }
grep -q "the native addon was not compiled" "$work/install2.log" || { cat "$work/install2.log" >&2; fail "the install did not say that the addon was not compiled"; }
status=0
"$work/bare/node_modules/.bin/sockaudit" doctor --json --db "$work/bare.db" >"$work/doctor2.json" || status=$?
[ "$status" = 1 ] || fail "doctor without the addon exited $status, not 1"
node -e '
const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (report.addon.loaded || report.tables.find((t) => t.table === "net/tcp").source !== "proc") { console.error("doctor:", JSON.stringify(report.addon)); process.exit(1); }
console.log(`package check: installed without prebuilds or compiler; doctor: ${report.addon.reason}`);
' "$work/doctor2.json"
compare_with_ss "$work/bare"
echo "package check: the packed tarball installs and collects, with the prebuild and without"
