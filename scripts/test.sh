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

# The store conformance suite runs on SQLite always and on PostgreSQL when
# ONESTAMP_TEST_DATABASE_URL names a server (an admin URL: each test creates and
# drops a database of its own). Under CI the PostgreSQL run is required.
LOCAL_PG=postgres://postgres@127.0.0.1:5432/test
if [ -z "${ONESTAMP_TEST_DATABASE_URL:-}" ]; then
    if [ -n "${CI:-}" ]; then
        export ONESTAMP_TEST_DATABASE_URL="$LOCAL_PG"
    elif command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
        export ONESTAMP_TEST_DATABASE_URL="$LOCAL_PG"
    fi
fi
if [ -n "${ONESTAMP_TEST_DATABASE_URL:-}" ]; then
    echo "== store backends: SQLite and PostgreSQL ($ONESTAMP_TEST_DATABASE_URL)"
else
    echo "== store backends: SQLite only (no PostgreSQL at 127.0.0.1:5432; set ONESTAMP_TEST_DATABASE_URL)"
fi

echo "== cargo test"
cargo test --workspace --locked

# The real server against its OpenAPI document (schemathesis from PyPI in a venv
# under target/): no 5xx, every status and answer as documented. Under CI it
# must run; elsewhere it skips, saying why, without python3 and venv.
echo "== schemathesis"
bash scripts/schemathesis.sh
