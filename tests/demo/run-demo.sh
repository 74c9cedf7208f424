#!/usr/bin/env bash
# `make demo`: a private Prosody on loopback with juliet and romeo, and two
# Balcony windows, one per account, each with its own profile, logged in.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/debug/balcony
[ -x "$bin" ] || { echo "demo: build first (make build)" >&2; exit 1; }

dir=$(mktemp -d /tmp/balcony-demo.XXXXXX)
domain=balcony.test
free_port() {
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}
c2s=$(free_port)

# A test CA and a server certificate signed by it.
mkdir -p "$dir/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=Balcony Demo CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$domain" \
  -keyout "$dir/certs/$domain.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\n' "$domain" > "$dir/san.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 30 -extfile "$dir/san.ext" -out "$dir/certs/$domain.crt" 2>/dev/null

cat > "$dir/prosody.cfg.lua" <<CFG
run_as_root = true
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
interfaces = { "127.0.0.1" }
c2s_ports = { $c2s }
legacy_ssl_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
modules_disabled = { "s2s" }
certificates = "$dir/certs"
authentication = "internal_hashed"
c2s_require_encryption = true
log = { { levels = { min = "info" }, to = "file", filename = "$dir/prosody.log" } }
plugin_paths = { "$PWD/tests/demo" }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "carbons", "smacks", "csi_simple", "blocklist", "version", "time", "uptime", "adhoc", "admin_adhoc", "demo_welcome" }
VirtualHost "$domain"
CFG
# juliet and romeo are contacts of each other already (both ways), so
# each window shows the other's presence.
roster_dir="$dir/data/$(printf '%s' "$domain" | sed 's/\./%2e/g')/roster"
mkdir -p "$roster_dir"
for pair in "juliet romeo" "romeo juliet"; do
  set -- $pair
  cat > "$roster_dir/$1.dat" <<ROSTER
return {
	[false] = { version = 1; pending = {}; };
	["$2@$domain"] = { subscription = "both"; name = "${2^}"; groups = {}; };
};
ROSTER
done
mkdir -p "$dir/data"
prosody --config "$dir/prosody.cfg.lua" -F &
prosody_pid=$!
cleanup() { kill "$prosody_pid" 2>/dev/null || true; echo "demo: stopped; files kept in $dir"; }
trap cleanup EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$c2s) 2>/dev/null && break; sleep 0.1; done

pids=()
for user in juliet romeo; do
  prosodyctl --config "$dir/prosody.cfg.lua" register "$user" "$domain" "demo-$user" >/dev/null
  echo "demo-$user" > "$dir/$user.password"
  "$bin" --profile "$dir/$user" account add "$user@$domain" --password-file "$dir/$user.password" \
    --server "127.0.0.1:$c2s" --trust-cert "$dir/ca.pem" --store-password-in-profile
  "$bin" --profile "$dir/$user" &
  pids+=($!)
done
echo "demo: Prosody on 127.0.0.1:$c2s; juliet@$domain and romeo@$domain are logging in. Close both windows to stop."
wait "${pids[@]}"
