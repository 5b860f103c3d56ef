#!/usr/bin/env bash
# Builds the prebuilt addons the package carries (native/prebuilds/<platform>-<arch>/),
# at pack time (`prepack`), from the very sources being packed, with prebuildify:
#   linux-x64   glibc  always (the pack fails when it does not compile)
#   linux-arm64 glibc  with Debian's gcc-aarch64-linux-gnu, when installed
#   linux-x64   musl   with Debian's musl-tools (musl-gcc) and the kernel headers, when installed
# The addon uses only N-API (one binary for every Node version) and libc. Each is built in
# a copy of native/, so that the developer's own build (native/build/) stays as it was.
# Prebuilds are not committed to git: a binary there cannot be reviewed and goes stale
# against the sources beside it; built here, it always matches them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/sockaudit-prebuild.XXXXXX)
trap 'rm -rf "$work"' EXIT
rm -rf "$repo/native/prebuilds"
node_version=$(node -p 'process.versions.node')

# build <label> [env assignments...] -- [prebuildify options...]
build() {
  local label=$1; shift
  rm -rf "$work/native" && mkdir -p "$work/native"
  cp "$repo"/native/*.c "$repo"/native/*.h "$repo/native/binding.gyp" "$work/native/"
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  if env "${envs[@]}" node "$repo/node_modules/prebuildify/bin.js" --cwd "$work/native" --out "$repo/native" \
      --napi --target "$node_version" --name sockaudit --tag-libc --strip "$@" >"$work/$label.log" 2>&1; then
    echo "prebuild: $label built"
  else
    cat "$work/$label.log" >&2
    echo "prebuild: $label failed" >&2
    return 1
  fi
}

build linux-x64-glibc PREBUILD_LIBC=glibc --

if command -v aarch64-linux-gnu-gcc >/dev/null; then
  build linux-arm64-glibc CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-gcc LINK=aarch64-linux-gnu-gcc \
    PREBUILD_STRIP_BIN=aarch64-linux-gnu-strip -- --arch arm64 --libc glibc || echo "prebuild: linux-arm64-glibc skipped" >&2
else
  echo "prebuild: linux-arm64-glibc skipped (no aarch64-linux-gnu-gcc: apt-get install gcc-aarch64-linux-gnu)" >&2
fi

if command -v musl-gcc >/dev/null && [ -d /usr/include/linux ]; then
  # musl-gcc sees only musl's headers; the addon also needs the kernel's (linux/, asm/)
  mkdir -p "$work/musl-include"
  ln -s /usr/include/linux "$work/musl-include/linux"
  ln -s /usr/include/asm-generic "$work/musl-include/asm-generic"
  ln -s "/usr/include/$(gcc -dumpmachine)/asm" "$work/musl-include/asm"
  build linux-x64-musl CC=musl-gcc CXX=musl-gcc LINK=musl-gcc "CFLAGS=-I$work/musl-include" -- --libc musl \
    || echo "prebuild: linux-x64-musl skipped" >&2
else
  echo "prebuild: linux-x64-musl skipped (no musl-gcc: apt-get install musl-tools)" >&2
fi
find "$repo/native/prebuilds" -name '*.node' | sort
