// Puts the launcher at the top of the bin bundle (dist/bin/sockaudit.cjs), in place of
// the shebang rolldown copied from src/cli.ts. The file is then both a shell script and
// CommonJS: /bin/sh runs line 2 (`:` is a no-op, then it execs node with the flags on
// this same file), and Node, which skips the shebang, sees a string and a comment.
// Node resolves the symlinks npm puts in node_modules/.bin (and /usr/local/bin for -g)
// before loading "$0", so the bundle finds its chunks, the vendor bundle and native/.
// This replaces `#!/usr/bin/env -S ...`, which needs GNU coreutils 8.30+ (BusyBox and
// Alpine's env have no -S). What it costs and saves, measured (README "Set-up"):
// - NODE_EXTRA_CA_CERTS unset: Node reads and parses that CA bundle at start-up, in every
//   process, TLS or not; with Debian's system bundle that was 30 ms of every run, 10% of
//   a collection of 50,000 sockets. It is not lost: the launcher moves it to
//   SOCKAUDIT_EXTRA_CA_CERTS, and the one TLS connection sockaudit makes (a PostgreSQL
//   store verified against the system CAs, src/store/postgres-tls.ts) adds that file to
//   Node's CA list then, and only then, whatever way the URL was given.
// - --max-semi-space-size=8 caps the young generation: an inventory of 50,000 sockets
//   then peaks lower, at no measurable cost in time (the records outlive it anyway);
// - --initial-heap-size=128 lets the heap grow to 128 MB before V8 starts marking the old
//   generation: a run that ends within a second has no garbage worth that work, which was
//   15 ms of a 0.33 s collection at 50,000 sockets. Only the pages in use are mapped, so
//   peak memory does not change. Neither flag takes effect through v8.setFlagsFromString
//   once the heap exists, hence flags on the command line, hence a launcher.
// - --max-inlined-bytecode-size-cumulative=500 (V8's default: 920) lets the optimising
//   compiler inline less into each function. Every command runs its hot loops once, and
//   their compilation runs on the other core, which a collection needs for its fd scan:
//   collect --json at 50,000 sockets 2-9 ms faster and 10-20 ms less CPU in five A/B runs
//   of 21-31 rounds with a budget of 300 or 500 (500: 7.8 ms, 31 rounds); with 500, diff
//   last 2 of two 50k snapshots 16 ms faster, verify 5 ms slower and show 3 ms faster
//   (11 rounds each).
import fs from 'node:fs';

export const LAUNCHER = [
  '#!/bin/sh',
  `':' //; [ -z "$NODE_EXTRA_CA_CERTS" ] || export SOCKAUDIT_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; exec node --max-semi-space-size=8 --initial-heap-size=128 --max-inlined-bytecode-size-cumulative=500 "$0" "$@"`,
].join('\n');

const file = process.argv[2] ?? 'dist/bin/sockaudit.cjs';
const text = fs.readFileSync(file, 'utf8');
const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
fs.writeFileSync(file, `${LAUNCHER}\n${body}`, { mode: 0o755 });
fs.chmodSync(file, 0o755);
