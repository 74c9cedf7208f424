#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target for FUZZ_SECONDS (default 60)
# on the spec examples as seeds, and fails if any target crashed. Each
# crash is copied to fuzz/regressions/<target>/, which `make test` replays.
# Not part of `make test` or CI. FUZZ_TARGETS picks some targets.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
if ! cargo +nightly --version >/dev/null 2>&1; then
	echo "fuzz: a nightly Rust toolchain is needed (rustup toolchain install nightly)" >&2
	exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
	cargo install cargo-fuzz --locked
fi
targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list --fuzz-dir fuzz)}
failed=()
for t in $targets; do
	corpus=fuzz/corpus/$t
	mkdir -p "$corpus" "fuzz/regressions/$t"
	cp -n tests/fixtures/xep/*.xml tests/fixtures/forms/*.xml "$corpus"/ 2>/dev/null || true
	if [ -d "fuzz/seeds/$t" ]; then cp -n "fuzz/seeds/$t"/* "$corpus"/; fi
	log=fuzz/artifacts/$t.log
	mkdir -p fuzz/artifacts
	echo "fuzz: $t for ${seconds} s"
	if cargo +nightly fuzz run --fuzz-dir fuzz "$t" "$corpus" -- \
		-max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 >"$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
		echo "fuzz: $t ok: $runs executions in ${seconds} s, no crash"
	else
		echo "fuzz: $t FAILED; log: $log" >&2
		tail -40 "$log" >&2
		for crash in fuzz/artifacts/"$t"/crash-* fuzz/artifacts/"$t"/oom-* fuzz/artifacts/"$t"/timeout-*; do
			[ -e "$crash" ] && cp "$crash" "fuzz/regressions/$t/"
		done
		failed+=("$t")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: crashes in ${failed[*]} (kept in fuzz/regressions/)" >&2
	exit 1
fi
echo "fuzz: every target ran ${seconds} s without a crash"
