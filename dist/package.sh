#!/usr/bin/env bash
# Build a release bundle: dist/out/clusterforge-<version>-linux-x86_64.tar.gz
# with the binary, presets, docs, desktop entry, icons, AppStream metainfo,
# man page, shell completions and install.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

APP_ID=org.clusterforge.ClusterForge
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
arch="$(uname -m)"
name="clusterforge-$version-linux-$arch"
out="dist/out"
stage="$out/$name"

cargo build --release --locked
bin="${CARGO_TARGET_DIR:-target}/release/clusterforge"

rm -rf "$stage"
mkdir -p "$stage"/{bin,presets,share/applications,share/metainfo,share/man/man1} \
  "$stage"/share/icons/hicolor/{scalable,256x256}/apps \
  "$stage"/share/bash-completion/completions "$stage"/share/zsh/site-functions \
  "$stage"/share/fish/vendor_completions.d

install -m 755 "$bin" "$stage/bin/clusterforge"
strip "$stage/bin/clusterforge" 2>/dev/null || true
cp presets/*.ron "$stage/presets/"
cp README.md LICENSE "$stage/"
[ -f docs/guide.md ] && mkdir -p "$stage/docs" && cp -r docs/guide.md "$stage/docs/" && { cp docs/*.png "$stage/docs/" 2>/dev/null || true; }
cp dist/linux/$APP_ID.desktop "$stage/share/applications/"
cp dist/linux/$APP_ID.metainfo.xml "$stage/share/metainfo/"
cp dist/linux/clusterforge.svg "$stage/share/icons/hicolor/scalable/apps/$APP_ID.svg"
cp dist/linux/clusterforge.png "$stage/share/icons/hicolor/256x256/apps/$APP_ID.png"
"$bin" manpage > "$stage/share/man/man1/clusterforge.1"
"$bin" completions bash > "$stage/share/bash-completion/completions/clusterforge"
"$bin" completions zsh > "$stage/share/zsh/site-functions/_clusterforge"
"$bin" completions fish > "$stage/share/fish/vendor_completions.d/clusterforge.fish"
install -m 755 dist/linux/install.sh "$stage/install.sh"
# Generated files also go where `cargo deb --no-build` expects them.
mkdir -p "$out/gen"
cp "$stage/share/man/man1/clusterforge.1" "$out/gen/clusterforge.1"
cp "$stage/share/bash-completion/completions/clusterforge" "$out/gen/clusterforge.bash"

tar -C "$out" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
