#!/usr/bin/env bash
# Runs every test of onestamp: formatting, lints, unit, store, HTTP integration
# and certificate (PDF/QR) tests. Installs the system packages the tests need
# first (fonts, poppler, zbar), only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked
