#!/usr/bin/env node
// The package's install script (and, with --compile, the checkout's build of the addon).
// Compiles sockaudit's native addon (native/, node-gyp) only where no prebuild in
// native/prebuilds/ fits this machine, and never fails the install: without the addon
// sockaudit collects the same inventory through its JavaScript paths, slower, and
// `sockaudit doctor` (and --debug) says so and why.
//
//   node scripts/install-native.cjs            after `npm install sockaudit`: compile if no prebuild fits
//   node scripts/install-native.cjs --compile  in a checkout (`npm ci`'s prepare): always compile, as a developer wants
//   node scripts/install-native.cjs --strict   `npm run build`: compile, and fail when that fails
//
// In a checkout (src/ present) the plain form does nothing: `prepare` builds everything after it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const nativeDir = path.join(root, 'native');
const mode = process.argv[2] ?? 'install';

function prebuildFits() {
  try {
    // PREBUILDS_ONLY: a stale native/build/ must not count; read when node-gyp-build loads
    process.env.PREBUILDS_ONLY = '1';
    return require('node-gyp-build').resolve(nativeDir);
  } catch {
    return null;
  } finally {
    delete process.env.PREBUILDS_ONLY;
  }
}

if (mode === 'install') {
  if (fs.existsSync(path.join(root, 'src', 'cli.ts'))) process.exit(0); // a checkout: prepare compiles
  const prebuild = prebuildFits();
  if (prebuild !== null) {
    // it must also load: a libc older than the one it was built against (glibc before 2.34
    // for the linux-x64 prebuild) refuses it, and then compiling here is the better way
    try {
      require(prebuild);
      process.exit(0);
    } catch (error) {
      process.stderr.write(`sockaudit: the prebuilt addon does not load here (${String(error.message).split('\n')[0]}); compiling it\n`);
    }
  }
}

// node-gyp is on the PATH of every npm script (npm's own copy); python3, make and a C compiler must be too
const result = spawnSync('node-gyp', ['rebuild', '--directory', nativeDir, '--loglevel', 'warn'], { stdio: 'inherit' });
if (result.status === 0) process.exit(0);
const why = result.error !== undefined ? `node-gyp could not run (${result.error.code ?? result.error.message})` : `node-gyp exited with ${result.status ?? result.signal}`;
if (mode === '--strict') {
  process.stderr.write(`sockaudit: the native addon did not compile: ${why}\n`);
  process.exit(1);
}
process.stderr.write(
  `sockaudit: the native addon was not compiled (${why}; it needs python3, make and a C compiler).\n` +
    'sockaudit: it works without it, through its JavaScript paths (slower); `sockaudit doctor` shows what is in use.\n',
);
process.exit(0);
