#!/usr/bin/env bash
# Packaging checks run by CI: build the bundle, validate its metadata, install
# it into temporary prefixes and run the installed binary.
set -euo pipefail
cd "$(dirname "$0")/.."

tarball="$(bash dist/package.sh | tail -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
pkg="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)"

echo "-- metadata"
desktop-file-validate "$pkg"/share/applications/*.desktop
appstreamcli validate --no-net "$pkg"/share/metainfo/*.metainfo.xml

echo "-- install into a prefix that does not exist yet, twice (idempotent)"
prefix="$work/prefix/deep/inside"
bash "$pkg/install.sh" --prefix "$prefix"
first="$(cd "$prefix" && find . -type f | sort | xargs sha256sum)"
bash "$pkg/install.sh" --prefix "$prefix"
second="$(cd "$prefix" && find . -type f | sort | xargs sha256sum)"
[ "$first" = "$second" ] || { echo "second install changed files"; exit 1; }
"$prefix/bin/clusterforge" --version
"$prefix/bin/clusterforge" check "$prefix"/share/clusterforge/presets/*.ron >/dev/null
test -s "$prefix/share/man/man1/clusterforge.1"
test -s "$prefix/share/icons/hicolor/256x256/apps/org.clusterforge.ClusterForge.png"

echo "-- a prefix without write permission fails and changes nothing"
ro="$work/readonly"
mkdir -p "$ro"
chmod 555 "$ro"
before="$(find "$ro" | sort)"
if [ "$(id -u)" = 0 ]; then
  # root ignores permission bits: run the installer as an unprivileged user.
  chmod 755 "$work" "$pkg"
  chmod -R a+rX "$pkg"
  run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent)
else
  run_as=()
fi
if "${run_as[@]}" bash "$pkg/install.sh" --prefix "$ro/sub" 2>"$work/err"; then
  echo "install into a read-only prefix should have failed"; exit 1
fi
grep -q "cannot write" "$work/err" || { cat "$work/err"; exit 1; }
[ "$before" = "$(find "$ro" | sort)" ] || { echo "read-only prefix was changed"; exit 1; }

echo "-- uninstall"
bash "$pkg/install.sh" --uninstall --prefix "$prefix"
[ ! -e "$prefix/bin/clusterforge" ]
echo "packaging checks passed"
