#!/usr/bin/env bash
# Runs the portal: installs missing tools, builds, finds or starts a database, serves.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
build_site
say "starting the portal (Ctrl-C stops it)"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
exec "$CARGO_TARGET_DIR/debug/server" serve "$@"
