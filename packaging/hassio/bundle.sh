#!/usr/bin/env bash
# Assembles the habitd add-on, ready to copy into Home Assistant's /addons
# folder (the Samba or SSH add-on shows it as "addons"):
#
#   packaging/hassio/bundle.sh [DEST]      (default: target/hassio/habitd)
#
# Builds habitd as a static (musl) binary for each architecture in config.yaml,
# so the Supervisor's image build only copies files. Needs cargo-zigbuild and
# Zig: cargo install --locked cargo-zigbuild && pip install ziglang
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${1:-$root/target/hassio/habitd}"

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

rm -rf "$dest"
mkdir -p "$dest/bin"
for arch in aarch64 amd64; do
  target="${targets[$arch]}"
  if command -v rustup >/dev/null; then
    rustup target add "$target" >/dev/null
  fi
  (cd "$root" && cargo zigbuild --release --locked --target "$target")
  cp "$root/target/$target/release/habitd" "$dest/bin/habitd-$arch"
done
cp -r "$here/config.yaml" "$here/build.yaml" "$here/Dockerfile" "$here/run.sh" \
  "$here/DOCS.md" "$here/CHANGELOG.md" "$here/translations" "$dest/"
echo "add-on ready in $dest" >&2
