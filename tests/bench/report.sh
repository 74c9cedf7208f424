#!/usr/bin/env bash
# Prints one `bench:` line per DESIGN.md budget. Figures that no issue has
# made measurable yet say n/a and why.
set -euo pipefail
na() { echo "bench: $1 n/a $2 budget $3 n/a ($4)"; }
na start ms "<= 200" "needs the chat UI with a 1,000-contact, 100,000-message profile (issue 4)"
na rss MB "<= 120" "needs the synced chat UI (issue 4)"
na ingest msg/s ">= 100000" "needs the message store (issue 3)"
na mam_catchup msg/s ">= 0.8 x bare pager" "needs MAM catch-up (issue 3)"
na main_stall ms "<= 16" "needs catch-up into the chat UI (issue 4)"
na open_conversation ms "<= 30" "needs conversation models (issue 4)"
na roster_filter ms "<= 10" "needs the roster (issues 3 and 4)"
na form_render ms "<= 100" "needs the data-forms renderer (issue 5)"
na roster_login_versioned bytes "< non-versioned" "needs roster versioning (issue 3)"
