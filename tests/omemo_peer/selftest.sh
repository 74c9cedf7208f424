#!/usr/bin/env bash
# Self-test of the OMEMO interop peer (peer.py) against a private Prosody:
# for each version (legacy OMEMO 0.3 and OMEMO 2) alice -> bob and bob -> alice
# decrypt, bob's second device gets the message too, alice's second device gets
# a carbon copy and decrypts it, and a message sent while bob was offline
# comes back from MAM and decrypts (once from the cache after offline
# delivery, once decrypted for real from the archive by a device that did not
# send presence and so got nothing delivered).
# Then the failure-test commands: send_corrupted and send_to_unknown_device
# are reported undecryptable by bob (and the session survives them),
# replay_last comes back from bob's cache; carol runs with --versions legacy
# (no OMEMO 2 device list, omemo2 sends to/from her fail); dave forges his
# bundles, after which peers without a session with him cannot encrypt to him
# while bob's existing sessions keep working; fingerprint is checked.
# Encrypted files (XEP-0454 over Prosody's http_file_share, XEP-0363): for
# each version alice send_file's a random file to bob, whose message body is
# the aesgcm:// URL, and bob fetch_file's it (same SHA-256); a URL with a
# changed key digit and one naming a missing file answer errors; an older
# client's URL with a 16-byte IV (served by the test itself) decrypts.
# Group chats: alice creates a members-only non-anonymous room, makes bob a
# member (carol, no member, is refused), bob joins; for each version alice's
# and bob's OMEMO room messages decrypt on the other side and come back to
# the sender as its own (cached) message.
#
# Usage: tests/omemo_peer/selftest.sh   (needs prosody, openssl and the
# python3-omemo & co. Debian packages; exits 0 on success)
# KEEP=1 keeps the work directory (server log, peer stderr); PEER_DEBUG=1
# runs the peers with --debug (stanzas and python-omemo internals on stderr).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/omemo-peer-selftest.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-}" = "" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

# --- PKI: a test CA and a leaf for balcony.test
mkdir -p "$work/data" "$work/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=Balcony Test CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=balcony.test" \
  -keyout "$work/certs/balcony.test.key" -out "$work/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:balcony.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$work/ext.cnf"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/ext.cnf" -out "$work/certs/balcony.test.crt" 2>/dev/null

# --- Prosody config, the shape of tests/support/prosody.rs (with its
# uploads_config: http_file_share over HTTPS on a second port, and its MUC)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"
https_port="$(free_port)"
while [ "$https_port" = "$port" ]; do https_port="$(free_port)"; done
cfg="$work/prosody.cfg.lua"
cat >"$cfg" <<EOF
run_as_root = true
pidfile = "$work/prosody.pid"
data_path = "$work/data"
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { $port }
legacy_ssl_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { $https_port }
https_interfaces = { "127.0.0.1" }
https_ssl = { certificate = "$work/certs/balcony.test.crt", key = "$work/certs/balcony.test.key" }
http_default_host = "upload.balcony.test"
modules_disabled = { "s2s" }
network_settings = { nagle = false }
certificates = "$work/certs"
authentication = "internal_hashed"
c2s_require_encryption = true
allow_registration = false
log = { { levels = { min = "debug" }, to = "file", filename = "$work/prosody.log" } }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "carbons", "mam", "pep", "smacks" }
VirtualHost "balcony.test"
Component "upload.balcony.test" "http_file_share"
	http_external_url = "https://127.0.0.1:$https_port/"
	http_file_share_size_limit = 10485760
	http_file_share_daily_quota = 1048576000
Component "conference.balcony.test" "muc"
	muc_room_locking = false
EOF

for user in alice bob carol dave; do
  prosodyctl --config "$cfg" register "$user" balcony.test pw >/dev/null 2>&1
done

prosody --config "$cfg" -F >"$work/prosody.out" 2>&1 &
server_pid=$!
for p in "$port" "$https_port"; do
  for _ in $(seq 50); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$p),0.2)" 2>/dev/null; then break; fi
    sleep 0.1
  done
done

export PEER="$here/peer.py" WORK="$work" PORT="$port"
timeout 120 /usr/bin/python3 - <<'PY'
import asyncio, hashlib, json, os, sys, time

PEER, WORK, PORT = os.environ["PEER"], os.environ["WORK"], os.environ["PORT"]
T0 = time.monotonic()


def say(text):
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


class Peer:
    def __init__(self, name, jid, data, *extra):
        self.name, self.jid, self.data, self.extra = name, jid, data, extra
        self.events, self.seen = [], 0

    async def start(self):
        self.log = open(os.path.join(WORK, f"{self.name}.stderr"), "a")
        self.proc = await asyncio.create_subprocess_exec(
            "python3", PEER, "--jid", self.jid, "--password", "pw", "--host", "127.0.0.1",
            "--port", PORT, "--ca", os.path.join(WORK, "ca.pem"),
            "--data", os.path.join(WORK, self.data), *self.extra,
            *(["--debug"] if os.environ.get("PEER_DEBUG") else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self.log)
        self.cond = asyncio.Condition()
        self.reader = asyncio.ensure_future(self.read())
        ready = await self.expect(lambda e: e["event"] == "ready", 60)
        self.ready = ready
        say(f"{self.name} ready: device {ready['device_id']}")
        return self

    async def read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            event = json.loads(line)
            say(f"  {self.name} <- {json.dumps({k: v for k, v in event.items() if k != 'envelope'})}")
            async with self.cond:
                self.events.append(event)
                self.cond.notify_all()

    async def send(self, **cmd):
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()

    async def expect(self, pred, timeout=25):
        async def wait():
            async with self.cond:
                while True:
                    for i in range(self.seen, len(self.events)):
                        if pred(self.events[i]):
                            event = self.events[i]
                            del self.events[i]
                            return event
                    await self.cond.wait()
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.name}: expected event not seen; got {self.events}") from None

    async def quit(self):
        await self.send(cmd="quit")
        await self.expect(lambda e: e["event"] == "bye", 15)
        rc = await asyncio.wait_for(self.proc.wait(), 15)
        assert rc == 0, f"{self.name} exited {rc}"
        say(f"{self.name} quit")


def msg(frm, body, **kw):
    def pred(e):
        return (e["event"] == "message" and e["from"] == frm and e["body"] == body
                and all(e.get(k) == v for k, v in kw.items()))
    return pred


def answer(peer, cmd, kind="sent", timeout=25):
    """The answer to the last command `cmd`: an event of `kind` or an error for `cmd`."""
    return peer.expect(
        lambda e: e["event"] == kind or (e["event"] == "error" and e.get("cmd") == cmd), timeout)


def undecryptable(frm, version, msg_id, **kw):
    def pred(e):
        return (e["event"] == "undecryptable" and e["from"] == frm and e["version"] == version
                and e["id"] == msg_id and all(e.get(k) == v for k, v in kw.items()))
    return pred


def no_errors(*peers):
    for p in peers:
        bad = [e for e in p.events if e["event"] in ("error", "undecryptable", "disconnected")]
        assert not bad, f"{p.name}: unexpected {bad}"


A, B = "alice@balcony.test", "bob@balcony.test"
C, D = "carol@balcony.test", "dave@balcony.test"
VERSIONS = ("legacy", "omemo2")


async def main():
    a1 = await Peer("alice1", A, "alice1").start()
    b1 = await Peer("bob1", B, "bob1").start()
    a2 = await Peer("alice2", A, "alice2").start()
    b2 = await Peer("bob2", B, "bob2").start()

    for v in VERSIONS:
        body = f"{v}: hello bob, from alice <&> ünïcödé"
        await a1.send(cmd="send", to=B, body=body, version=v)
        sent = await a1.expect(lambda e: e["event"] in ("sent", "error"))
        assert sent["event"] == "sent", sent
        await b1.expect(msg(A, body, version=v, carbon=False))
        say(f"PASS {v}: alice -> bob decrypts")
        await b2.expect(msg(A, body, version=v))
        say(f"PASS {v}: bob's second device decrypts alice -> bob")
        await a2.expect(msg(A, body, version=v, carbon=True))
        say(f"PASS {v}: alice's second device decrypts the sent carbon")

        body = f"{v}: hello alice, from bob"
        await b1.send(cmd="send", to=A, body=body, version=v)
        sent = await b1.expect(lambda e: e["event"] in ("sent", "error"))
        assert sent["event"] == "sent", sent
        await a1.expect(msg(B, body, version=v, carbon=False))
        say(f"PASS {v}: bob -> alice decrypts")
        await a2.expect(msg(B, body, version=v))
        await b2.expect(msg(B, body, version=v, carbon=True))
        say(f"PASS {v}: alice's second device and bob's carbon decrypt bob -> alice")

    await asyncio.sleep(1)  # let session-completion messages settle
    no_errors(a1, a2, b1, b2)

    # Bob goes offline; alice writes with both versions.
    await b1.quit()
    await b2.quit()
    offline = {v: f"{v}: sent while bob was offline" for v in VERSIONS}
    for v in VERSIONS:
        await a1.send(cmd="send", to=B, body=offline[v], version=v)
        sent = await a1.expect(lambda e: e["event"] in ("sent", "error"))
        assert sent["event"] == "sent", sent
        assert [B, None] not in sent["devices"]
        await a2.expect(msg(A, offline[v], version=v, carbon=True))

    # bob1 comes back (same data dir: same identity and sessions); the server
    # delivers the offline messages, and MAM has them too.
    b1 = await Peer("bob1", B, "bob1").start()
    for v in VERSIONS:
        await b1.expect(msg(A, offline[v], version=v, mam=False))
    say("PASS offline messages delivered to bob1 after restart")
    await b1.send(cmd="mam", **{"with": A})
    done = await b1.expect(lambda e: e["event"] in ("mam_done", "error"), 40)
    assert done["event"] == "mam_done", done
    for v in VERSIONS:
        await b1.expect(msg(A, offline[v], version=v, mam=True), 1)
        say(f"PASS {v}: offline message found in MAM by bob1 (from its cache)")

    # bob2 comes back without presence: nothing is delivered, MAM decrypts.
    b2 = await Peer("bob2", B, "bob2", "--no-presence").start()
    await b2.send(cmd="mam", **{"with": A})
    done = await b2.expect(lambda e: e["event"] in ("mam_done", "error"), 40)
    assert done["event"] == "mam_done", done
    for v in VERSIONS:
        await b2.expect(msg(A, offline[v], version=v, mam=True, cached=False), 1)
        say(f"PASS {v}: message sent while bob was offline decrypted from MAM")
    no_errors(a1, a2, b1, b2)

    await failure_commands(a1, a2, b1, b2)
    await asyncio.sleep(0.5)
    no_errors(a1, a2, b1, b2)
    c, d = await versions_and_forgery(a1, a2, b1)
    await asyncio.sleep(0.5)
    no_errors(a1, a2, b1, b2, c, d)
    await files(a1, b1)
    await asyncio.sleep(0.5)
    no_errors(a1, a2, b1, b2, c, d)
    await rooms(a1, b1, c)
    await asyncio.sleep(0.5)
    no_errors(a1, a2, b1, b2, c, d)

    for p in (a1, a2, b1, b2, c, d):
        await p.quit()
    say("selftest: OK")


async def failure_commands(a1, a2, b1, b2):
    """send_corrupted, replay_last, send_to_unknown_device: alice1 -> bob.

    bob2 runs without presence but has carbons enabled: Prosody gives it
    "received" carbons of what bob1 gets, so it sees the failures too."""
    for v in VERSIONS:
        body = f"{v}: corrupted payload"
        await a1.send(cmd="send_corrupted", to=B, body=body, version=v)
        sent = await answer(a1, "send_corrupted")
        assert sent["event"] == "sent" and sent.get("corrupted") is True, sent
        e = await b1.expect(undecryptable(A, v, sent["id"], carbon=False))
        assert e["detail"].startswith("DecryptionFailed"), e
        say(f"PASS {v}: send_corrupted -> bob1 undecryptable: {e['detail']}")
        e = await a2.expect(undecryptable(A, v, sent["id"], carbon=True))
        await b2.expect(undecryptable(A, v, sent["id"], carbon=True))
        say(f"PASS {v}: send_corrupted -> alice2's and bob2's carbons undecryptable too")

        body = f"{v}: after the corrupted one"
        await a1.send(cmd="send", to=B, body=body, version=v)
        sent = await answer(a1, "send")
        assert sent["event"] == "sent", sent
        await b1.expect(msg(A, body, version=v, cached=False, id=sent["id"]))
        await a2.expect(msg(A, body, version=v, carbon=True))
        say(f"PASS {v}: the session survives a corrupted payload")

        await a1.send(cmd="replay_last", to=B)
        replay = await answer(a1, "replay_last")
        assert replay["event"] == "sent" and replay["replay_of"] == sent["id"], replay
        assert replay["id"] != sent["id"], replay
        e = await b1.expect(msg(A, body, version=v, id=replay["id"]))
        assert e["cached"] is True, e
        say(f"PASS {v}: replay_last -> bob1 reports the duplicate cached:true")
        await a2.expect(msg(A, body, version=v, carbon=True, cached=True, id=replay["id"]))

        body = f"{v}: keys for unknown devices only"
        await a1.send(cmd="send_to_unknown_device", to=B, body=body, version=v)
        sent = await answer(a1, "send_to_unknown_device")
        assert sent["event"] == "sent", sent
        rewritten = sent["rewritten"]
        real = {b1.ready["device_id"][v]}
        assert real <= {old for _, old, _ in rewritten}, sent
        assert not real & {d for j, d in sent["devices"] if j == B}, sent
        e = await b1.expect(undecryptable(A, v, sent["id"], carbon=False))
        assert e["detail"].startswith("MessageNotForUs"), e
        say(f"PASS {v}: send_to_unknown_device {rewritten} -> bob1 undecryptable: {e['detail']}")
        e = await b2.expect(undecryptable(A, v, sent["id"], carbon=True))
        assert e["detail"].startswith("MessageNotForUs"), e
        await a2.expect(msg(A, body, version=v, carbon=True, id=sent["id"]))
        say(f"PASS {v}: ... while alice2 (key untouched) decrypts its carbon")

        body = f"{v}: after the one for unknown devices"
        await a1.send(cmd="send", to=B, body=body, version=v)
        sent = await answer(a1, "send")
        assert sent["event"] == "sent", sent
        await b1.expect(msg(A, body, version=v, cached=False, id=sent["id"]))
        await a2.expect(msg(A, body, version=v, carbon=True))
        say(f"PASS {v}: bob1 decrypts the next message (skipped message key)")


async def versions_and_forgery(a1, a2, b1):
    # --- carol speaks only legacy OMEMO
    c = await Peer("carol", C, "carol", "--versions", "legacy").start()
    cid = c.ready["device_id"]["legacy"]
    assert c.ready["device_id"]["omemo2"] is None and c.ready["versions"] == ["legacy"], c.ready
    await a1.send(cmd="devices", jid=C)
    devs = await answer(a1, "devices", "devices")
    assert devs["legacy"] == [cid] and devs["omemo2"] == [], devs
    say(f"PASS --versions legacy: carol publishes legacy {devs['legacy']}, omemo2 {devs['omemo2']}")
    await c.send(cmd="send", to=A, body="never sent", version="omemo2")
    e = await answer(c, "send")
    assert e["event"] == "error", e
    say(f"PASS --versions legacy: carol's omemo2 send refused: {e['detail']}")
    await c.send(cmd="forge_bundle", version="omemo2")
    e = await answer(c, "forge_bundle", "forged")
    assert e["event"] == "error", e
    await c.send(cmd="replay_last", to=A)
    e = await answer(c, "replay_last")
    assert e["event"] == "error", e
    say(f"PASS error answers: forge_bundle omemo2 on carol, replay_last before any send: {e['detail']}")
    await a1.send(cmd="send", to=C, body="omemo2 to carol", version="omemo2")
    e = await answer(a1, "send")
    assert e["event"] == "error" and e["detail"].startswith("NoEligibleDevices"), e
    say("PASS --versions legacy: alice1 cannot send omemo2 to carol (NoEligibleDevices)")
    for frm, to, rcv in ((a1, C, c), (c, A, a1)):
        body = f"legacy: {frm.name} -> {rcv.name}"
        await frm.send(cmd="send", to=to, body=body, version="legacy")
        sent = await answer(frm, "send")
        assert sent["event"] == "sent", sent
        await rcv.expect(msg(frm.jid, body, version="legacy", id=sent["id"]))
    say("PASS --versions legacy: alice1 <-> carol legacy messages decrypt")
    await a2.expect(msg(C, "legacy: carol -> alice1", version="legacy"))

    # --- fingerprints
    for p, versions in ((a1, ("legacy", "omemo2")), (c, ("legacy",))):
        await p.send(cmd="fingerprint")
        fp = await answer(p, "fingerprint", "fingerprint")
        assert fp["hex"] == p.ready["fingerprint"] and fp.get("legacy") == fp["hex"], fp
        assert ("omemo2" in fp) == ("omemo2" in versions), fp
        if "omemo2" in fp:
            assert len(fp["omemo2"]) == 64 and fp["omemo2"] != fp["hex"], fp
        say(f"PASS fingerprint {p.name}: {fp}")

    # --- dave forges his bundles after bob1 has sessions with him
    d = await Peer("dave", D, "dave").start()
    did = d.ready["device_id"]["omemo2"]
    for v in VERSIONS:
        body = f"{v}: bob1 -> dave before the forgery"
        await b1.send(cmd="send", to=D, body=body, version=v)
        sent = await answer(b1, "send")
        assert sent["event"] == "sent", sent
        await d.expect(msg(B, body, version=v))
        await b1.expect(lambda e: e["event"] == "empty" and e["from"] == D and e["version"] == v)
    await asyncio.sleep(0.5)
    for v in VERSIONS:
        await d.send(cmd="forge_bundle", version=v)
        e = await answer(d, "forge_bundle", "forged")
        assert e["event"] == "forged" and e["version"] == v, e
    say("PASS dave forged his legacy and omemo2 bundles")
    for sender, versions in ((a1, VERSIONS), (c, ("legacy",))):
        for v in versions:
            await sender.send(cmd="send", to=D, body=f"{v}: {sender.name} -> dave", version=v)
            e = await answer(sender, "send")
            assert e["event"] == "error" and e["detail"].startswith("NoEligibleDevices"), e
            assert any(f"{D}/{did}" in x and "signature" in x for x in e.get("errors", [])), e
            say(f"PASS {v}: {sender.name} (no session) refuses dave's forged bundle: {e['errors']}")
    for v in VERSIONS:
        body = f"{v}: bob1 -> dave after the forgery"
        await b1.send(cmd="send", to=D, body=body, version=v)
        sent = await answer(b1, "send")
        assert sent["event"] == "sent", sent
        await d.expect(msg(B, body, version=v))
        say(f"PASS {v}: bob1's existing session with dave still works")
    await a1.send(cmd="devices", jid=D)
    devs = await answer(a1, "devices", "devices")
    assert devs["legacy"] == [did] and devs["omemo2"] == [did], devs
    say("PASS dave's device lists are untouched by forge_bundle")
    return c, d


async def files(a1, b1):
    """XEP-0454: send_file / fetch_file through Prosody's http_file_share."""
    url = None
    for v in VERSIONS:
        src = os.path.join(WORK, f"file-{v}.bin")
        data = os.urandom(100 * 1024)
        with open(src, "wb") as f:
            f.write(data)
        digest = hashlib.sha256(data).hexdigest()
        await a1.send(cmd="send_file", to=B, path=src, version=v)
        sent = await answer(a1, "send_file", "sent_file", 40)
        assert sent["event"] == "sent_file", sent
        assert sent["sha256"] == digest and sent["size"] == len(data) and sent["version"] == v, sent
        url = sent["url"]
        head, _, fragment = url.partition("#")
        assert head.startswith("aesgcm://127.0.0.1:") and len(fragment) == 88, url
        assert fragment == fragment.lower() and all(c in "0123456789abcdef" for c in fragment), url
        e = await b1.expect(msg(A, url, version=v, id=sent["id"]))
        say(f"PASS {v}: send_file via {sent['service']} -> bob1 gets {url[:60]}...")
        out = os.path.join(WORK, f"fetched-{v}.bin")
        await b1.send(cmd="fetch_file", url=e["body"], path=out)
        got = await answer(b1, "fetch_file", "fetched_file", 40)
        assert got["event"] == "fetched_file", got
        assert got["sha256"] == digest and got["size"] == len(data), got
        with open(out, "rb") as f:
            assert f.read() == data, "fetched file differs"
        say(f"PASS {v}: bob1 fetch_file decrypts the file (sha256 {digest[:16]}...)")

    # One key digit changed: the GCM tag no longer matches.
    head, _, fragment = url.partition("#")
    last = fragment[-1]
    bad = head + "#" + fragment[:-1] + ("0" if last != "0" else "1")
    out = os.path.join(WORK, "tampered.bin")
    await b1.send(cmd="fetch_file", url=bad, path=out)
    e = await answer(b1, "fetch_file", "fetched_file", 40)
    assert e["event"] == "error" and e["detail"].startswith("InvalidTag"), e
    assert not os.path.exists(out), "tampered download was written"
    say(f"PASS fetch_file with a changed key digit: {e['detail']}")
    # A slot the server does not have: an HTTP error.
    scheme_host, _, path = head.partition("/file_share/")
    _slot, _, name = path.partition("/")
    missing = f"{scheme_host}/file_share/no-such-slot/{name}#{fragment}"
    await b1.send(cmd="fetch_file", url=missing, path=out)
    e = await answer(b1, "fetch_file", "fetched_file", 40)
    assert e["event"] == "error" and "404" in e["detail"], e
    say(f"PASS fetch_file of a missing file: {e['detail']}")
    # A malformed fragment is refused before any request.
    await b1.send(cmd="fetch_file", url=head + "#" + fragment[:80], path=out)
    e = await answer(b1, "fetch_file", "fetched_file")
    assert e["event"] == "error" and "hex digits" in e["detail"], e
    say("PASS fetch_file refuses a short fragment")
    await fetch_legacy_iv(b1)


async def fetch_legacy_iv(b1):
    """fetch_file of an older client's URL (16-byte IV, 96 hex digits), served here over HTTPS."""
    import ssl, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    data = os.urandom(5000)
    key, iv = os.urandom(32), os.urandom(16)
    blob = AESGCM(key).encrypt(iv, data, None)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/old.bin" else 404)
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            self.wfile.write(blob)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certs = os.path.join(WORK, "certs")
    context.load_cert_chain(os.path.join(certs, "balcony.test.crt"), os.path.join(certs, "balcony.test.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"aesgcm://127.0.0.1:{server.server_address[1]}/old.bin#{iv.hex()}{key.hex()}"
        out = os.path.join(WORK, "old.bin")
        await b1.send(cmd="fetch_file", url=url, path=out)
        got = await answer(b1, "fetch_file", "fetched_file")
        assert got["event"] == "fetched_file", got
        assert got["sha256"] == hashlib.sha256(data).hexdigest() and got["size"] == len(data), got
        say("PASS fetch_file decrypts a URL with a 16-byte IV (96 hex digits)")
    finally:
        await asyncio.to_thread(server.shutdown)
        server.server_close()


async def rooms(a1, b1, c):
    """OMEMO in a members-only, non-anonymous room (XEP-0384 group chats)."""
    room = "omemo-room@conference.balcony.test"
    await a1.send(cmd="join_room", room=room, nick="Alice", create=True)
    j = await answer(a1, "join_room", "joined")
    assert j["event"] == "joined" and j["created"] is True, j
    assert j["occupants"] == [["Alice", A]] and A in j["members"], j
    say(f"PASS alice created and configured {room}: {j}")
    await a1.send(cmd="set_member", room=room, jid=B)
    e = await answer(a1, "set_member", "member_set")
    assert e["event"] == "member_set" and e["jid"] == B, e
    await c.send(cmd="join_room", room=room, nick="Carol")
    e = await answer(c, "join_room", "joined")
    assert e["event"] == "error" and "registration-required" in e["detail"], e
    say(f"PASS the room is members-only: carol refused: {e['detail']}")
    await b1.send(cmd="join_room", room=room, nick="Bob")
    j = await answer(b1, "join_room", "joined")
    assert j["event"] == "joined" and j["created"] is False, j
    # Bob is no moderator: he sees alice's real JID only in a non-anonymous room.
    assert j["occupants"] == [["Alice", A], ["Bob", B]], j
    assert set(j["members"]) == {A, B}, j
    await a1.expect(lambda e: e["event"] == "occupant" and e["nick"] == "Bob" and e["jid"] == B
                    and e["available"] is True)
    say("PASS bob joined; both know the real JIDs of Alice and Bob")

    def room_msg(nick, body, **kw):
        def pred(e):
            return (e["event"] == "room_message" and e["room"] == room and e["nick"] == nick
                    and e["body"] == body and all(e.get(k) == v for k, v in kw.items()))
        return pred

    for v in VERSIONS:
        for frm, nick, jid, rcv in ((a1, "Alice", A, b1), (b1, "Bob", B, a1)):
            body = f"{v}: room message from {nick} <&>"
            await frm.send(cmd="send_room", room=room, body=body, version=v)
            sent = await answer(frm, "send_room", "sent_room")
            assert sent["event"] == "sent_room", sent
            assert sent["recipients"] == [A, B], sent
            assert {j for j, _ in sent["devices"]} == {A, B}, sent
            e = await rcv.expect(room_msg(nick, body, version=v, jid=jid, encrypted=True, own=False,
                                          cached=False, id=sent["id"]))
            say(f"PASS {v}: {nick}'s OMEMO room message decrypted by {rcv.name} (device {e['device']})")
            await frm.expect(room_msg(nick, body, version=v, own=True, cached=True))
            say(f"PASS {v}: {frm.name} sees its reflected room message as own")


try:
    asyncio.run(main())
except AssertionError as e:
    say(f"FAIL: {e}")
    sys.exit(1)
PY
