#!/usr/bin/env bash
# Runs every test of switchboard: unit, property and scenario tests of each crate, and the
# end-to-end tests in tests/ that drive the real binary with sipp and baresip on loopback;
# then formatting and lints.
# Installs what the tests need on Debian (as root) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v baresip >/dev/null 2>&1 || missing+=(baresip-core)
command -v linphonec >/dev/null 2>&1 || missing+=(linphone-cli)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust stable (https://rustup.rs) first" >&2
    exit 1
fi

# One build for all test targets; the end-to-end tests run the binary cargo just built.
cargo test --workspace --all-targets --no-run --quiet
cargo test --workspace --all-targets
# Doc examples are tests too.
cargo test --workspace --doc --quiet
# The code stays formatted and lint-free.
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
