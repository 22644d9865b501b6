#!/usr/bin/env bash
# Install ClusterForge from this unpacked release into a prefix the way
# desktop applications are installed (XDG data dirs, icon theme, menu entry).
#
#   ./install.sh                  # into ~/.local
#   ./install.sh --prefix DIR     # into DIR (bin/, share/…)
#   ./install.sh --uninstall [--prefix DIR]
#
# Safe to run twice. Fails before changing anything when the prefix is not
# writable.
set -euo pipefail

APP_ID=org.clusterforge.ClusterForge
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${HOME:-/root}/.local"
action=install

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac

# Every file this installer writes, as "source destination mode".
files() {
  cat <<LIST
bin/clusterforge bin/clusterforge 755
share/applications/$APP_ID.desktop share/applications/$APP_ID.desktop 644
share/metainfo/$APP_ID.metainfo.xml share/metainfo/$APP_ID.metainfo.xml 644
share/icons/hicolor/scalable/apps/$APP_ID.svg share/icons/hicolor/scalable/apps/$APP_ID.svg 644
share/icons/hicolor/256x256/apps/$APP_ID.png share/icons/hicolor/256x256/apps/$APP_ID.png 644
share/man/man1/clusterforge.1 share/man/man1/clusterforge.1 644
share/bash-completion/completions/clusterforge share/bash-completion/completions/clusterforge 644
share/zsh/site-functions/_clusterforge share/zsh/site-functions/_clusterforge 644
share/fish/vendor_completions.d/clusterforge.fish share/fish/vendor_completions.d/clusterforge.fish 644
README.md share/doc/clusterforge/README.md 644
LICENSE share/doc/clusterforge/LICENSE 644
LIST
  for p in "$here"/presets/*.ron; do
    [ -e "$p" ] && echo "presets/$(basename "$p") share/clusterforge/presets/$(basename "$p") 644"
  done
}

# The nearest existing ancestor of the prefix decides whether we may write.
probe="$prefix"
while [ ! -e "$probe" ]; do probe="$(dirname "$probe")"; done
if [ ! -d "$probe" ] || [ ! -w "$probe" ] || { [ -e "$prefix" ] && [ ! -w "$prefix" ]; }; then
  echo "install.sh: cannot write to '$prefix' (no write permission on '$probe'); nothing was changed." >&2
  echo "install.sh: pick another place with --prefix, e.g. --prefix \"\$HOME/.local\"." >&2
  exit 2
fi

refresh_caches() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$prefix/share/applications" 2>/dev/null || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" 2>/dev/null || true
  return 0
}

if [ "$action" = uninstall ]; then
  files | while read -r _src dst _mode; do rm -f "$prefix/$dst"; done
  rmdir "$prefix/share/clusterforge/presets" "$prefix/share/clusterforge" "$prefix/share/doc/clusterforge" 2>/dev/null || true
  refresh_caches
  echo "ClusterForge removed from $prefix"
  exit 0
fi

for required in bin/clusterforge share/applications/$APP_ID.desktop; do
  [ -f "$here/$required" ] || { echo "install.sh: '$here/$required' is missing: run me from an unpacked release" >&2; exit 2; }
done

files | while read -r src dst mode; do
  install -D -m "$mode" "$here/$src" "$prefix/$dst"
done
refresh_caches

echo "ClusterForge installed into $prefix"
case ":${PATH}:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it to run 'clusterforge' from a terminal" ;;
esac
