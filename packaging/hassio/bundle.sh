#!/usr/bin/env bash
# Builds habitd's static (musl) binaries for every architecture in
# config.yaml and assembles the add-on folder with them:
#
#   packaging/hassio/bundle.sh [DEST]      (default: target/hassio/habitd)
#
# DEST/bin/habitd-<arch> are what a release attaches (the add-on's Dockerfile
# downloads them when it is installed from the repository); DEST as a whole
# can also be copied into Home Assistant's /addons folder to try a build
# before it is released.
#
# Needs Rust (rustup) and Python 3 with venv (Debian: python3-venv); it
# installs the rest itself, inside target/: cargo-zigbuild with cargo install,
# and Zig (the ziglang package) with pip in a virtual environment, so nothing
# is installed system-wide (Debian 12 refuses pip outside a venv); the
# versions are the ones BENCHMARKS.md ("Builds") measured. A zig and
# cargo-zigbuild already on PATH are used as they are.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${1:-$root/target/hassio/habitd}"
tools="$root/target/hassio-tools"

# Home Assistant's architecture name → Rust target.
declare -A targets=(
  [aarch64]=aarch64-unknown-linux-musl
  [amd64]=x86_64-unknown-linux-musl
)

version="$(sed -n 's/^version: "\(.*\)"$/\1/p' "$here/config.yaml")"
crate="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)"
if [ "$version" != "$crate" ]; then
  echo "config.yaml has version $version but Cargo.toml $crate" >&2
  exit 1
fi

# cargo-zigbuild runs `python3 -m ziglang` when there is no zig on PATH.
if ! command -v zig >/dev/null; then
  if ! "$tools/venv/bin/python3" -m ziglang version >/dev/null 2>&1; then
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'ziglang==0.17.1'
  fi
  export PATH="$tools/venv/bin:$PATH"
fi
export PATH="$PATH:$tools/bin"
if ! cargo zigbuild --help >/dev/null 2>&1; then
  cargo install --locked --quiet --root "$tools" --version 0.24.1 cargo-zigbuild
fi

rm -rf "$dest"
mkdir -p "$dest"
# The whole add-on folder: config.yaml, Dockerfile, run.sh, DOCS.md,
# CHANGELOG.md, translations/, icon.png, logo.png.
cp -r "$here/." "$dest/"
rm -f "$dest/bundle.sh"
mkdir -p "$dest/bin"
for arch in "${!targets[@]}"; do
  target="${targets[$arch]}"
  if command -v rustup >/dev/null; then
    rustup target add "$target" >/dev/null
  fi
  (cd "$root" && cargo zigbuild --release --locked --target "$target")
  cp "$root/target/$target/release/habitd" "$dest/bin/habitd-$arch"
done
(cd "$dest/bin" && sha256sum habitd-* >SHA256SUMS)
echo "add-on ready in $dest; release assets in $dest/bin" >&2
