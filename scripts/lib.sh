# Shared by scripts/run.sh and scripts/test.sh: installs what is missing, skips what is there.
# Every step says what it does; a failing step stops with the fix.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say()  { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Builds go to a cache outside the checkout so a fresh clone builds incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vobiz-portal/target}"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "'$*' needs root; run it as root, or install the package yourself"; fi
}

ensure_rust() {
  command -v cargo >/dev/null || fail "cargo is not installed: install Rust with rustup (https://rustup.rs), then re-run"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target (about a minute)"
    rustup target add wasm32-unknown-unknown || fail "could not add the wasm32 target: run 'rustup target add wasm32-unknown-unknown'"
  fi
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then return; fi
  say "installing cargo-leptos 0.3.10 (once; about 15 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.10 --locked \
    || fail "could not install cargo-leptos: run 'cargo install cargo-leptos --version 0.3.10 --locked' and read its error"
}

ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
  [ -n "$want" ] || fail "Cargo.lock names no wasm-bindgen version"
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return; fi
  say "installing wasm-bindgen-cli $want to match Cargo.lock (once; about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$want" --force \
    || fail "could not install wasm-bindgen-cli $want: run 'cargo install wasm-bindgen-cli --version $want'"
}

ensure_npm_tools() {
  command -v npm >/dev/null || fail "npm is not installed: install Node.js 20+ (e.g. 'apt-get install nodejs npm')"
  if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/playwright ] \
     || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing Tailwind CSS, wasm-opt and Playwright from npm (about a minute)"
    # `npm install` rather than `npm ci`: the lock file leaves out other platforms' optional
    # Tailwind binaries, which `npm ci` counts as out of sync.
    npm install --no-audit --no-fund || fail "npm install failed: check that the npm registry is reachable"
  fi
}

ensure_chromium() {
  if command -v chromium >/dev/null; then return; fi
  say "installing Chromium from Debian for the browser tests (a few minutes)"
  as_root apt-get update -qq || fail "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
    || fail "could not install chromium: run 'apt-get install -y chromium'"
}

ensure_build_tools() {
  ensure_rust
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_npm_tools
}

build_site() {
  say "building the portal (server and WebAssembly bundle; the first build takes 15+ minutes)"
  cargo leptos build || fail "the build failed (see the compiler output above)"
}

# Each checkout's own crates build into the shared cache under new names (their path is part
# of the name); drop those not rebuilt for two days so the cache does not grow without end.
prune_stale_builds() {
  local deps="$CARGO_TARGET_DIR/debug/deps" names=(server app vobiz frontend client_overhead) f
  for f in server/tests/*.rs vobiz/tests/*.rs; do names+=("$(basename "$f" .rs)"); done
  for f in "${names[@]}"; do
    find "$deps" -maxdepth 1 -type f \( -name "$f-*" -o -name "lib$f-*" \) -mtime +2 -delete 2>/dev/null || true
  done
  find "$CARGO_TARGET_DIR/debug/incremental" -mindepth 1 -maxdepth 1 -mtime +2 -exec rm -rf {} + 2>/dev/null || true
}
