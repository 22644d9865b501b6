#!/usr/bin/env bash
# Regenerates the user guide's screenshots (docs/guide/*.png) from the real
# app under Xvfb, with xdotool for clicks and keys.
#
#   bash docs/guide/shoot.sh [path/to/clusterforge]
#
# Default binary: $CARGO_TARGET_DIR/debug/clusterforge (or target/debug/...).
# Needs: Xvfb, xdotool, ImageMagick (import, convert); pngquant if present.
# Environment: SHOOT_DISPLAY (default :83).
#
# The window is 1500x940 and the virtual screen has the same size, so the
# click positions below are window coordinates. They follow the default
# layout (palette 240 px, inspector 300 px, dock 130 px); when the layout
# changes, take one screenshot, read the new positions and update them here.
set -euo pipefail

cd "$(dirname "$0")/../.."
out=docs/guide
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/clusterforge}
disp=${SHOOT_DISPLAY:-:83}
[ -x "$bin" ] || { echo "no binary at $bin: run cargo build first" >&2; exit 2; }
bin=$(realpath "$bin")
for tool in Xvfb xdotool import convert; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

tmp=$(mktemp -d)
mkdir -m 700 "$tmp/run"
xvfb_pid=""
app_pid=""
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

Xvfb "$disp" -screen 0 1500x940x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY=$disp
sleep 1

# Start the app with a fresh settings directory (= a first run) in $tmp, so
# recent files and "Show this screen at start" are the defaults. Each
# session gets its own directory.
session=0
start_app() {
    session=$((session + 1))
    (cd "$tmp" && exec env XDG_DATA_HOME="$tmp/data$session" XDG_RUNTIME_DIR="$tmp/run" \
        LIBGL_ALWAYS_SOFTWARE=1 "$bin" "$@") >"$tmp/app.log" 2>&1 &
    app_pid=$!
    local wid
    wid=$(timeout 30 xdotool search --sync --name 'ClusterForge' | head -1)
    [ -n "$wid" ] || { echo "the window did not appear; log:" >&2; cat "$tmp/app.log" >&2; exit 1; }
    sleep 2
    # Keys go to the focused window; there is no window manager to give it focus.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        xdotool windowfocus "$wid" 2>/dev/null && break
        sleep 0.5
    done
    sleep 1
}
stop_app() {
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=""
    sleep 0.5
}
# The y of the line between the inspector and the dock (first #3C3C3C pixel
# below y=600 in column x=1300, where the inspector is empty). The dock's
# height follows its content, so it is measured before each use.
dock_top() {
    import -window root "$tmp/probe.png"
    local y
    y=$(convert "$tmp/probe.png" -crop 1x340+1300+600 txt:- |
        awk -F'[,:]' '/#3C3C3C/ && !found { print $2 + 600; found = 1 }')
    [ -n "$y" ] || { echo "cannot find the dock" >&2; exit 1; }
    echo "$y"
}
# Pointer off the interesting parts (no hover effects), then the screenshot.
shot() {
    xdotool mousemove 1200 10
    sleep "${2:-1}"
    import -window root "$tmp/$1.png"
    if command -v pngquant >/dev/null; then
        pngquant --force --quality 70-95 --output "$out/$1.png" "$tmp/$1.png"
    else
        convert "$tmp/$1.png" -colors 256 -define png:compression-level=9 "$out/$1.png"
    fi
    echo "$out/$1.png $(stat -c %s "$out/$1.png") bytes"
}
click() {
    xdotool mousemove "$1" "$2" click 1
    sleep "${3:-0.7}"
}
key() {
    xdotool mousemove 1200 10 key "$1"
    sleep 0.7
}

# 1. First run: the welcome screen over the default plan.
start_app
shot welcome
# 2. The tour, offered on the welcome screen.
click 282 313
shot tour-1-palette
for step in 2-canvas 3-inspector 4-dock; do
    key Right
    shot "tour-$step"
done
key Escape
# 3. Help > Keyboard shortcuts (F1).
key F1
shot shortcuts
key Escape
# 4. Canvas and inspector: select the training GPUs.
click 795 397
shot canvas-inspector
# 5. Results: open the Results tab, press Run, wait for the run, scroll the
#    dock to the training stage. (Dragging the dock taller works by hand
#    with the same xdotool commands but did not take from this script, so
#    the dock keeps its default height.)
click 133 $(($(dock_top) + 13))
click 35 $(($(dock_top) + 45)) 20
xdotool mousemove 700 $(($(dock_top) + 80))
for _ in 1 2 3; do
    xdotool click 5
    sleep 0.3
done
shot results
stop_app
