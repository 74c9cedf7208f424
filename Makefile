# Balcony: `make run` to start the app, `make test` to run every test.
CARGO ?= cargo
SCREEN := -screen 0 1280x1024x24
UI_ENV := env GDK_BACKEND=x11 GDK_DEBUG=gl-disable GTK_A11Y=none GSK_RENDERER=cairo NO_AT_BRIDGE=1 LC_ALL=C.UTF-8
MESON_DIR := target/meson

.PHONY: all deps build run test test-cargo check-data check-meson lint bench fuzz po install demo clean

all: build

deps:
	@bash .ci/install-deps.sh

build: deps
	$(CARGO) build --locked

run: build
	$(CARGO) run --locked -- $(ARGS)

# Unit, integration (real Prosody) and UI (Xvfb) tests, then the data,
# meson and lint checks. No incremental cache: a test run builds once, and
# the cache would add 2.5 GB to target/.
test: export CARGO_INCREMENTAL ?= 0
test: deps
	$(MAKE) test-cargo check-data check-meson lint

test-cargo:
	$(CARGO) build --locked --tests
	xvfb-run -a -s "$(SCREEN)" dbus-run-session -- $(UI_ENV) $(CARGO) test --locked --no-fail-fast
	@echo "screenshots: $$(ls target/screenshots/*.png | wc -l) PNGs in target/screenshots/"

check-data:
	glib-compile-schemas --strict --dry-run data/
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	sed 's/@APP_ID@/im.balcony.Balcony/g' data/im.balcony.Balcony.desktop.in.in > $$tmp/im.balcony.Balcony.desktop && \
	desktop-file-validate $$tmp/im.balcony.Balcony.desktop && \
	sed 's/@APP_ID@/im.balcony.Balcony/g' data/im.balcony.Balcony.metainfo.xml.in.in > $$tmp/im.balcony.Balcony.metainfo.xml && \
	appstreamcli validate --no-net $$tmp/im.balcony.Balcony.metainfo.xml && \
	echo "check-data: desktop file, metainfo and schema are valid"

# meson setup + compile (reuses cargo's target/ debug build), then meson's
# own validation of the merged, translated desktop file and metainfo.
check-meson:
	meson setup --reconfigure $(MESON_DIR) -Dprofile=development >/dev/null || meson setup $(MESON_DIR) -Dprofile=development
	meson compile -C $(MESON_DIR)
	meson test -C $(MESON_DIR) --print-errorlogs

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# Performance budgets (docs/PERFORMANCE.md): one `bench:` line per figure.
bench: deps
	@bash tests/bench/report.sh

# cargo-fuzz targets (fuzz/), each for FUZZ_SECONDS (default 60); fails on
# any crash. Not part of `make test`.
fuzz: deps
	@bash fuzz/run.sh

po:
	bash po/update-pot.sh
	for lang in $$(grep -v '^#' po/LINGUAS); do msgmerge --quiet --update --backup=none po/$$lang.po po/balcony.pot; done

install: deps
	meson setup --reconfigure target/meson-release --prefix=$(or $(PREFIX),/usr/local) >/dev/null || meson setup target/meson-release --prefix=$(or $(PREFIX),/usr/local)
	meson compile -C target/meson-release
	meson install -C target/meson-release

# A private Prosody with juliet and romeo, and two logged-in windows.
demo: build
	bash tests/demo/run-demo.sh

clean:
	$(CARGO) clean
