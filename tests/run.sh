#!/usr/bin/env bash
# Runs every check and test: the example plugins' build and smoke tests, formatting, lints,
# unit and integration tests (real HTTP server on loopback, embedded SurrealDB), and the
# OpenAPI drift check.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"

echo "== example plugins: AssemblyScript → Wasm, import checks, smoke tests"
(cd plugins && npm test --silent)

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== OpenAPI document up to date"
TUCAN__LOG__LEVEL=off cargo run --quiet -p tucan-server --bin tucanlink -- openapi --check
