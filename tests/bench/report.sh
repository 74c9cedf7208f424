#!/usr/bin/env bash
# Prints one `bench:` line per DESIGN.md budget. Measurable figures come
# from the release benchmarks in tests/bench/; the others say n/a and why.
set -euo pipefail
na() { echo "bench: $1 n/a $2 budget $3 n/a ($4)"; }
cargo build --release --locked --benches >&2
for b in ingest mam_catchup roster_login open_conversation roster_filter; do
	cargo bench --locked --bench "$b" 2>/dev/null | grep '^bench:'
done
na start ms "<= 200" "needs the chat UI with a 1,000-contact, 100,000-message profile (issue 4)"
na rss MB "<= 120" "needs the synced chat UI (issue 4)"
na main_stall ms "<= 16" "needs catch-up into the chat UI (issue 4)"
na form_render ms "<= 100" "needs the data-forms renderer (issue 5)"
