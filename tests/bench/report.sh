#!/usr/bin/env bash
# Prints one `bench:` line per budget (docs/PERFORMANCE.md), from the release
# benchmarks in tests/bench/.
set -euo pipefail
cargo build --release --locked --benches >&2
for b in ingest mam_catchup roster_login open_conversation roster_filter omemo; do
	cargo bench --locked --bench "$b" 2>/dev/null | grep '^bench:'
done
# Upload and download move 100 MB through Prosody several times; a failed
# run says so (its log is kept) instead of hiding the figures after it.
cargo bench --locked --bench upload 2>target/bench-upload.log | grep '^bench:' ||
	echo "bench: upload error MB/s budget >= 80 % of curl error (the run failed; see target/bench-upload.log)"
# The UI figures need a display: each bench in a private Xvfb and D-Bus
# session.
for b in ui_start form_render main_stall login first_sync; do
	xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- \
		env GDK_BACKEND=x11 GTK_A11Y=none GSK_RENDERER=cairo NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
		cargo bench --locked --bench "$b" 2>/dev/null | grep '^bench:'
done
