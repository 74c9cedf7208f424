#!/usr/bin/python3
"""An independent OMEMO peer for Balcony's interop tests.

Built on python-omemo 1.0 (``omemo.SessionManager``) with both of its backends,
``oldmemo`` (legacy OMEMO 0.3, namespace ``eu.siacs.conversations.axolotl``) and
``twomemo`` (OMEMO 2, namespace ``urn:xmpp:omemo:2``), and on slixmpp 1.8 for
XMPP.  Only Debian 12 packages are used (see .ci/install-deps.sh: python3-omemo,
-oldmemo, -twomemo, -slixmpp, -x3dh, -doubleratchet, -xeddsa and
python3-xmlschema, which the etree helpers need; python3-cryptography, a
dependency of python3-twomemo, gives AES-256-GCM for XEP-0454 files; HTTPS
uses the standard library only); these live
in /usr/lib/python3/dist-packages, so if the ``python3`` that started this
script cannot import them (e.g. a pyenv interpreter), the script re-executes
itself with /usr/bin/python3.

Command line
------------
    python3 peer.py --jid USER@balcony.test --password PW --host 127.0.0.1 \
        --port PORT --ca CA_PEM_FILE --data DIR [--no-presence] [--timeout SECS]
        [--versions legacy,omemo2]

* Connects over STARTTLS (direct TLS is never used) to HOST:PORT, verifying
  the server certificate against CA_PEM_FILE for the name of the JID's domain.
  The HTTPS requests of "send_file" and "fetch_file" are verified against the
  same CA (for the host name in the URL).
* DIR keeps the state as JSON (DIR/omemo.json: identity, device id, pre keys,
  sessions, device lists; DIR/messages.json: plaintexts of messages already
  decrypted or sent, see "Duplicates" below).  Restarting with the same DIR
  keeps identity and sessions; a different DIR is a different device.
* ``--no-presence`` skips the initial presence: the server then keeps messages
  to the bare JID in offline storage instead of delivering them, so that a
  later ``mam`` command really decrypts them from the archive.  Note that
  without presence no PEP notifications (device list updates) arrive either;
  the peer refreshes device lists itself before each send anyway.
* ``--timeout`` bounds every single wait (default 20 s).
* ``--versions`` is a comma separated subset of ``legacy,omemo2`` (default
  both): only these backends are loaded, and only their device list and
  bundle are published and their ``+notify`` features advertised.  A peer
  started with ``--versions legacy`` looks like a client that only speaks
  OMEMO 0.3 (no ``urn:xmpp:omemo:2:devices`` node; publishes nothing at all
  for OMEMO 2, so only use it with a JID that never ran with omemo2).
  Commands naming a version that is not enabled answer "error"; received
  messages of a version that is not enabled are reported "undecryptable"
  with a detail starting "UnknownNamespace:".  A bad value is a fatal start
  error.

Trust is blind: every identity key is trusted (custom trust level "BLIND").
The peer advertises ``eu.siacs.conversations.axolotl.devicelist+notify`` and
``urn:xmpp:omemo:2:devices+notify`` (XEP-0115 caps) and feeds device list
notifications into the session manager.  It enables carbons (XEP-0280).
Presence subscription requests are accepted automatically.

PEP layout (own bare JID, all with publish-options pubsub#access_model=open):
  legacy:  eu.siacs.conversations.axolotl.devicelist   item "current"
           eu.siacs.conversations.axolotl.bundles:<id> item "current"
  OMEMO 2: urn:xmpp:omemo:2:devices                    item "current"
           urn:xmpp:omemo:2:bundles                    item "<id>" (max_items=max)

Protocol
--------
One JSON object per line on stdin (commands) and on stdout (events, each line
flushed).  Logs go to stderr only.  "version" is always "legacy" (OMEMO 0.3)
or "omemo2" (urn:xmpp:omemo:2).  Unknown fields are ignored; consumers should
ignore event kinds and fields they do not know.

Events
  {"event":"ready","jid":BARE,"device_id":{"legacy":N|null,"omemo2":N|null},
   "fingerprint":HEX64,"versions":["legacy","omemo2"]}
      Once connected, roster fetched, carbons enabled, OMEMO bundles and device
      lists published, and initial presence sent.  python-omemo uses one device
      id (1 .. 2**31-1) for both backends, so both numbers are equal; a
      version not enabled by --versions has null.  "versions": the enabled
      versions.
      "fingerprint" is the identity key in Curve25519 form, 64 lowercase hex
      digits (what XEP-0384 clients display; legacy clients show it with a
      "05" prefix).
  {"event":"sent","id":ID,"to":BARE,"version":V,"devices":[[BARE,N],...],
   "errors":[...]}
      Answer to "send".  "devices" lists the recipient devices the key was
      encrypted for (including own other devices); "errors" lists
      non-fatal per-device failures (e.g. a bundle that could not be fetched).
      Also the answer to "send_corrupted" (with "corrupted":true),
      "send_to_unknown_device" (with "rewritten":[[BARE,REAL_ID,FAKE_ID],..];
      "devices" then has the fake ids) and "replay_last" (the original's
      event with the new "id" and "replay_of":ORIGINAL_ID).
  {"event":"forged","version":V,"device_id":N}
      Answer to "forge_bundle".
  {"event":"fingerprint","hex":HEX64,"legacy":HEX64,"omemo2":HEX64}
      Answer to "fingerprint".  "hex": the identity key in Curve25519 form
      (as in "ready").  "legacy": what Conversations shows for this device
      (the Curve25519 key without its 05 type prefix, i.e. the same as
      "hex").  "omemo2": the Ed25519 form of the identity key (OMEMO 2
      clients such as Dino and Kaidan).  Fields of versions not enabled by
      --versions are absent.
  {"event":"message","from":BARE,"body":TEXT,"version":V,"carbon":BOOL,
   "mam":BOOL,"cached":BOOL,"own":BOOL,"id":MSGID|null,"device":N,
   "to":BARE|null}
      A decrypted message.  "carbon": it came inside a XEP-0280 received/sent
      carbon.  "mam": it came from a "mam" query.  "cached": it had already
      been decrypted (or was sent by this very device, then "own" is true) and
      the plaintext was taken from DIR/messages.json.  "device": the sender's
      device id.  For omemo2 the event also has "envelope" (the decrypted
      XEP-0420 envelope as text) and "sce":{"from":..,"to":..,"time":..}
      (affix values or null).
  {"event":"empty","from":BARE,"version":V,"carbon":BOOL,"mam":BOOL,
   "cached":BOOL,"device":N[,"for_us":false]}
      An OMEMO message without payload (key transport / session completion /
      heartbeat) was processed.  With "for_us":false it carried no key for
      this device (e.g. a carbon or archived copy of one addressed to another
      device) and was skipped; otherwise it was decrypted and fed to the
      session.
  {"event":"plain","from":BARE,"body":TEXT,"carbon":BOOL,"mam":BOOL,
   "id":MSGID|null}
      A message with a <body> but no OMEMO element.
  {"event":"undecryptable","from":BARE,"detail":TEXT,"version":V,
   "carbon":BOOL,"mam":BOOL,"id":MSGID|null}
      An OMEMO message that could not be decrypted ("detail" starts with the
      exception name, e.g. "MessageNotForUs: ...", "SenderNotFound: ...").
      If the OMEMO layer did decrypt it but the content is bad (omemo2: no
      XEP-0420 envelope, no <body> in <content>, <from> affix not the
      sender), "detail" starts with "decrypted, but:" and the event also has
      "envelope" (the decrypted text) and "cached".
  {"event":"mam_done","with":BARE,"count":N}
      End of a "mam" query; N archived messages were processed (each produced
      exactly one message/empty/plain/undecryptable event before this).
  {"event":"devices","jid":BARE,"legacy":[N,...],"omemo2":[N,...]}
      Answer to "devices".
  {"event":"sent_file","to":BARE,"url":AESGCM_URL,"sha256":HEX,"size":N,
   "version":V,"id":ID,"devices":[[BARE,N],...],"errors":[...],
   "service":UPLOAD_JID}
      Answer to "send_file".  "url" is the aesgcm:// URL that was sent as the
      body of the OMEMO message, "sha256" and "size" describe the plaintext
      file; "id", "devices" and "errors" as in "sent".
  {"event":"fetched_file","url":AESGCM_URL,"path":OUT_FILE,"sha256":HEX,
   "size":N}
      Answer to "fetch_file": the file was downloaded, decrypted and written
      to OUT_FILE; "sha256" and "size" describe the plaintext.
  {"event":"joined","room":ROOM,"nick":NICK,"created":BOOL,
   "occupants":[[NICK,REAL_BARE|null],...],"members":[BARE,...]}
      Answer to "join_room", once the room's self-presence (status 110) came.
      "created": the room was new (status 201); with "create":true it was
      then configured.  "occupants": everyone present, sorted by nick, with the
      real bare JID where the room discloses it (null otherwise).
      "members": the bare JIDs of the room's owner/admin/member affiliation
      lists, as far as the room lets us read them (Prosody does for members
      of members-only non-anonymous rooms), else [].
  {"event":"occupant","room":ROOM,"nick":NICK,"jid":REAL_BARE|null,
   "available":BOOL}
      After "joined": someone (including ourselves) entered, changed their
      presence or left the room (available false).  The peer's nick -> real
      JID map of the room is updated before this is emitted.
  {"event":"member_set","room":ROOM,"jid":BARE}
      Answer to "set_member".
  {"event":"sent_room","id":ID,"room":ROOM,"version":V,
   "recipients":[BARE,...],"devices":[[BARE,N],...],"errors":[...]}
      Answer to "send_room".  "recipients": the real bare JIDs encrypted for
      (occupants' and affiliated JIDs, always including our own); "devices"
      and "errors" as in "sent".
  {"event":"room_message","room":ROOM,"nick":NICK,"jid":REAL_BARE|null,
   "body":TEXT,"version":V|null,"encrypted":BOOL,"own":BOOL,"cached":BOOL,
   "id":MSGID|null,"device":N|null}
      A groupchat message (type="groupchat") from an occupant of a joined
      room.  "encrypted":true: it carried an <encrypted> element and was
      decrypted with "jid" (the occupant's real JID learned from presence)
      as the sender; "device" is the sender's device id; omemo2 events also
      have "envelope" and "sce" as in "message".  "encrypted":false: a plain
      <body> ("version" and "device" null).  "own":true: it came from our own
      nick, e.g. our message reflected by the room (see "Group chats").
  {"event":"room_undecryptable","room":ROOM,"nick":NICK,"jid":REAL_BARE|null,
   "detail":TEXT,"version":V,"own":BOOL,"id":MSGID|null}
      An encrypted groupchat message that could not be decrypted; "detail"
      as in "undecryptable" ("UnknownSender: ..." if the room did not tell us
      the real JID of NICK).  If it was decrypted but the content is bad,
      "detail" starts with "decrypted, but:" and "cached" and (omemo2)
      "envelope" are added, as in "undecryptable".
  {"event":"error","cmd":NAME|null,"detail":TEXT[,"errors":[TEXT,...]]}
      A command failed (or, with "fatal":true, start-up failed; the process
      then exits with status 1).  If encryption failed because no device of
      the recipient was usable ("NoEligibleDevices: ..."), "errors" says why
      per device ("BARE/N: KeyExchangeFailed: ...(KeyAgreementException: The
      signature of the signed pre key could not be verified.)" for a forged
      bundle, "BARE/N: BundleNotFound: ..." etc.).
  {"event":"disconnected"}
      The connection was lost without "quit"; the process exits with status 2.
  {"event":"bye"}
      Answer to "quit", right before the process exits with status 0.

Commands
  {"cmd":"send","to":BARE,"body":TEXT,"version":"legacy"|"omemo2"}
      Refreshes the recipient's and the own device list of that version, then
      encrypts with only that backend for all the recipient's devices and the
      own other devices, and sends a <message type="chat" id=ID> with the
      <encrypted> element, <encryption xmlns="urn:xmpp:eme:0"> (XEP-0380),
      <store xmlns="urn:xmpp:hints"/> and a plain fallback <body> saying that
      the message is encrypted.  Legacy: the encrypted payload is the UTF-8
      body.  omemo2: the payload is a XEP-0420 envelope
        <envelope xmlns="urn:xmpp:sce:1"><content><body xmlns="jabber:client">
        TEXT</body></content><rpad>..</rpad><time stamp=".."/>
        <to jid="BARE"/><from jid="OWN BARE"/></envelope>
      Answers "sent" or "error" (also if V is not enabled by --versions).
  {"cmd":"send_corrupted","to":BARE,"body":TEXT,"version":V}
      Like "send", but before sending two bytes in the middle of the
      base64-decoded <payload> ciphertext are flipped (XOR 0xff) and it is
      re-encoded; header, keys and IV stay valid, so recipients decrypt the
      key but fail on the content (python-omemo: "DecryptionFailed").  The
      session stays usable.  Answers "sent" with "corrupted":true.
  {"cmd":"send_to_unknown_device","to":BARE,"body":TEXT,"version":V}
      Like "send", but every <key rid=N> for a device of BARE is rewritten to
      a device id BARE does not have (424242, or the next free id above), so
      no real device of BARE has a key ("MessageNotForUs"); the keys for the
      own other devices stay valid.  The sender's ratchets still advance, so
      the next message needs skipped-key handling on the recipient's side.
      Answers "sent" with "rewritten":[[BARE,REAL_ID,FAKE_ID],...].
  {"cmd":"replay_last","to":BARE}
      Sends again the last message that "send", "send_corrupted",
      "send_to_unknown_device" or "send_file" sent to BARE in this process
      (empty messages made by the library do not count): same <encrypted>
      element byte for byte, same fallback body, EME and store hint, only a
      fresh stanza id.
      Answers "sent" (with "replay_of"), or "error" if nothing was sent to
      BARE yet.
  {"cmd":"forge_bundle","version":V}
      Downloads this device's own published bundle of version V, flips bits
      in the first half of the base64-decoded signed pre key signature
      (legacy <signedPreKeySignature>, omemo2 <spks>; the legacy sign bit in
      its last byte is kept, so the identity key stays the same) and
      republishes it; the device list is left alone.  Anyone starting a NEW
      session with this device must refuse the bundle; existing sessions are
      unaffected.  Lasts until python-omemo republishes the bundle itself
      (restart, pre key consumed by an incoming key exchange, signed pre key
      rotation).  Answers "forged".
  {"cmd":"fingerprint"}
      Answers "fingerprint".
  {"cmd":"mam","with":BARE}
      Queries the own archive (XEP-0313, urn:xmpp:mam:2, all pages) for
      messages with BARE and processes every result like a live message
      (events with "mam":true), then "mam_done".
  {"cmd":"devices","jid":BARE}
      Downloads BARE's device lists of both versions; answers "devices".
      A missing node gives [] (Prosody answers "forbidden" instead of
      "item-not-found" for a missing node to requesters without a presence
      subscription; device lists are always downloaded that way).
  {"cmd":"send_file","to":BARE,"path":LOCAL_FILE,"version":V
   [,"service":UPLOAD_JID]}
      Encrypted file sharing (XEP-0454 over XEP-0363): reads LOCAL_FILE,
      encrypts it with AES-256-GCM under a fresh random 32-byte key and
      12-byte IV (the upload is the ciphertext followed by the 16-byte tag),
      asks the upload service for a slot (<request
      xmlns="urn:xmpp:http:upload:0" filename=BASENAME size=UPLOAD_SIZE
      content-type="application/octet-stream"/>; the service is UPLOAD_JID,
      else the first disco#items entry of the server domain whose disco#info
      has the feature urn:xmpp:http:upload:0), PUTs the ciphertext to the
      slot's put URL over HTTPS verified against --ca (sending the slot's
      Authorization, Cookie and Expires headers, Content-Type
      application/octet-stream), then sends like "send" (same version
      handling, counts for "replay_last") a message whose body is the slot's
      get URL with "https" replaced by "aesgcm" and the fragment
      IV_HEX(24) KEY_HEX(64), lowercase.  Answers "sent_file" or "error".
  {"cmd":"fetch_file","url":AESGCM_URL,"path":OUT_FILE}
      The reverse: the fragment must be 88 hex digits (24 IV + 64 key) or 96
      (the older 16-byte IV: 32 IV + 64 key); GETs https:// + the rest of the
      URL (without fragment) over HTTPS verified against --ca, decrypts
      (tag = the last 16 bytes) and writes OUT_FILE.  Answers
      "fetched_file", or "error" (bad URL, HTTP error, or "InvalidTag: ..."
      when the key, IV or data are wrong; OUT_FILE is then not written).
  {"cmd":"join_room","room":ROOM_BARE,"nick":NICK[,"create":true]}
      Joins a XEP-0045 room: presence to ROOM/NICK with <x
      xmlns="http://jabber.org/protocol/muc"><history maxstanzas="0"/></x>,
      waits for the self-presence.  With "create":true and a new room
      (status 201) it then configures the room through the owner form
      (muc#owner: fetches the form, submits muc#roomconfig_membersonly=1,
      muc#roomconfig_whois=anyone, muc#roomconfig_persistentroom=1); an
      existing room is left as it is.  Answers "joined" or "error" (e.g.
      "registration-required" for a members-only room we are not a member
      of).  From then on the room's presences keep a nick -> real JID map
      ("occupant" events).
  {"cmd":"set_member","room":ROOM,"jid":BARE}
      As owner (or admin): grants BARE membership (muc#admin <item
      jid=BARE affiliation="member"/>).  Answers "member_set" or "error".
  {"cmd":"send_room","room":ROOM,"body":TEXT,"version":V}
      OMEMO in a group chat: refreshes the affiliation lists (where allowed),
      encrypts like "send" for the real bare JIDs of all occupants and
      affiliated members, and the own other devices (omemo2: the envelope's
      <to> is ROOM), and sends a <message type="groupchat"> to ROOM with the
      same EME, store hint and fallback body.  All recipients must have a
      usable device (else "error" NoEligibleDevices, with "errors").  The room
      must be joined and must disclose real JIDs (non-anonymous), else
      "error".  Answers "sent_room".
  {"cmd":"quit"}
      Disconnects, answers "bye", exits 0.  End of stdin does the same.

Receiving: messages with an <encrypted> element of either namespace, directly,
inside carbons (only accepted from the own bare JID) or inside MAM results,
are decrypted.  For omemo2 the body is taken from the envelope's <content>
(a <body> of any namespace); a <from> affix whose bare JID differs from the
sender makes the message "undecryptable".

Group chats (XEP-0384 "Group Chats", XEP-0045): only rooms joined with
"join_room" are tracked.  Messages of type "groupchat" from ROOM/NICK are
reported as "room_message" / "room_undecryptable", never as "message": an
<encrypted> element is decrypted with the real bare JID that NICK's latest
presence (<x xmlns="http://jabber.org/protocol/muc#user"><item jid=..>)
disclosed as the sender (for omemo2 the <from> affix must be that JID).
OMEMO elements without a payload in a room are ignored (logged).  Messages
from the room itself (no nick: subject, status codes 104/172, affiliation
announcements) produce no event; "send_room" reads the affiliation lists
afresh instead.  "own":true marks a message from our own nick.  Our own
message reflected by the room is NOT decrypted (python-omemo does not
encrypt for the sending device): "send_room" stores its plaintext in the
cache under the own bare JID (see "Duplicates"), so the reflection is
reported as "room_message" with "own":true and "cached":true.  A message
from our nick that is not in the cache (another session under the same
nick, or a lost DIR/messages.json) is decrypted like any other, and failing
that reported "room_undecryptable" with "own":true.

Duplicates: a message that was already decrypted once (e.g. delivered from
offline storage and later found again in MAM) cannot be decrypted a second
time (its ratchet key is consumed), so decrypted plaintexts are remembered by
(namespace, sender, sender device, hash of the ciphertext) and re-reported
with "cached":true.  (Prosody also hands a message to the own bare JID sent
by an own other device both directly and as a carbon: the second copy comes
from the cache too.)  The same applies to messages this device sent itself
("own":true), which are not encrypted for the sending device.
"""

import os
import sys


def _reexec_with_system_python():
    target = "/usr/bin/python3"
    if os.environ.get("OMEMO_PEER_REEXEC") or not os.path.exists(target):
        return
    try:
        if os.path.samefile(sys.executable, target):
            return
    except OSError:
        pass
    os.environ["OMEMO_PEER_REEXEC"] = "1"
    os.execv(target, [target] + sys.argv)


try:
    import omemo
    import oldmemo
    import oldmemo.etree
    import twomemo
    import twomemo.etree
    import slixmpp
    import xeddsa
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    _ = omemo.SessionManager
except (ImportError, AttributeError):
    _reexec_with_system_python()
    raise

import argparse
import asyncio
import base64
import copy
import datetime
import hashlib
import json
import logging
import secrets
import ssl
import string
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple
from xml.sax.saxutils import escape, quoteattr

from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

log = logging.getLogger("omemo_peer")

LEGACY_NS = oldmemo.oldmemo.NAMESPACE  # eu.siacs.conversations.axolotl
V2_NS = twomemo.twomemo.NAMESPACE  # urn:xmpp:omemo:2
VERSION_OF_NS = {LEGACY_NS: "legacy", V2_NS: "omemo2"}
NS_OF_VERSION = {"legacy": LEGACY_NS, "omemo2": V2_NS}

LEGACY_DEVICELIST_NODE = f"{LEGACY_NS}.devicelist"
LEGACY_BUNDLES_NODE_PREFIX = f"{LEGACY_NS}.bundles:"
V2_DEVICES_NODE = f"{V2_NS}:devices"
V2_BUNDLES_NODE = f"{V2_NS}:bundles"
DEVICELIST_NODES = {LEGACY_DEVICELIST_NODE: LEGACY_NS, V2_DEVICES_NODE: V2_NS}

NS_CLIENT = "jabber:client"
NS_CARBONS = "urn:xmpp:carbons:2"
NS_FORWARD = "urn:xmpp:forward:0"
NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_DATA = "jabber:x:data"
NS_SCE = "urn:xmpp:sce:1"
NS_EME = "urn:xmpp:eme:0"
NS_HINTS = "urn:xmpp:hints"
NS_DELAY = "urn:xmpp:delay"
NS_HTTP_UPLOAD = "urn:xmpp:http:upload:0"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner"
NS_MUC_ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"

# XEP-0363: the slot headers a client may (and must) pass on with the PUT.
UPLOAD_HEADERS = ("Authorization", "Cookie", "Expires")
# XEP-0454: AES-256-GCM, 12-byte IV (older clients: 16), 16-byte tag.
AESGCM_KEY_SIZE, AESGCM_IV_SIZE, AESGCM_LEGACY_IV_SIZE, AESGCM_TAG_SIZE = 32, 12, 16, 16
# The room configuration "join_room" submits with "create":true.
ROOM_CONFIG = {
    "muc#roomconfig_membersonly": "1",
    "muc#roomconfig_whois": "anyone",
    "muc#roomconfig_persistentroom": "1",
}

FALLBACK_BODY = (
    "I sent you an OMEMO encrypted message but your client doesn't seem to support that."
)

TIMEOUT = 20.0


def emit(obj: Dict[str, Any]) -> None:
    """Writes one event line to stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def describe(exc: BaseException) -> str:
    if isinstance(exc, IqError):
        return f"IqError: {exc.iq['error']['condition']} {exc.iq['error']['text']}".strip()
    if isinstance(exc, (IqTimeout, asyncio.TimeoutError)):
        return f"{type(exc).__name__}: no answer in time"
    if isinstance(exc, CommandError):
        return str(exc)
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    if not str(exc).strip() and cause is not None and cause is not exc:
        # e.g. KeyExchangeFailed() raised from x3dh's KeyAgreementException
        text += f"({describe(cause)})"
    return text


class CommandError(Exception):
    """A command failure whose error event carries extra fields."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.extra = extra


def parse_versions(text: str) -> List[str]:
    """'legacy,omemo2' -> ['legacy', 'omemo2'] (order of VERSION_OF_NS)."""
    names = {v.strip() for v in text.split(",") if v.strip()}
    unknown = names - set(NS_OF_VERSION)
    if unknown or not names:
        raise ValueError(
            f"--versions: expected a comma separated subset of legacy,omemo2, got {text!r}"
        )
    return [v for v in NS_OF_VERSION if v in names]


def flip_base64(text: Optional[str], positions: List[float]) -> str:
    """Decodes base64, XORs the bytes at the given relative positions with 0xff, re-encodes."""
    data = bytearray(base64.b64decode((text or "").strip()))
    if not data:
        raise ValueError("nothing to corrupt: empty base64 data")
    for index in {min(len(data) - 1, int(len(data) * rel)) for rel in positions}:
        data[index] ^= 0xFF
    return base64.b64encode(bytes(data)).decode("ascii")


def recipient_keys(encrypted: ET.Element, namespace: str, jid: str, device_ids) -> List[ET.Element]:
    """The <key> elements of an <encrypted> element addressed to (jid, one of device_ids)."""
    ns = "{" + namespace + "}"
    ids = {str(d) for d in device_ids}
    if namespace == LEGACY_NS:
        # Legacy keys carry no JID: match by device id only.
        keys = list(encrypted.iterfind(f"{ns}header/{ns}key"))
    else:
        keys = [
            key
            for keys_el in encrypted.iterfind(f"{ns}header/{ns}keys")
            if bare(keys_el.get("jid")) == jid
            for key in keys_el.iterfind(f"{ns}key")
        ]
    return [key for key in keys if key.get("rid") in ids]


def bare(jid: Optional[str]) -> Optional[str]:
    if not jid:
        return None
    return JID(jid).bare


# --------------------------------------------------------------------------
# XEP-0454 encrypted files over XEP-0363 HTTP upload


def make_aesgcm_url(get_url: str, iv: bytes, key: bytes) -> str:
    """The slot's https get URL with scheme aesgcm and the fragment IV || key in lowercase hex."""
    parts = urllib.parse.urlsplit(get_url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"the upload slot's get URL is not an https URL: {get_url!r}")
    return urllib.parse.urlunsplit(
        ("aesgcm", parts.netloc, parts.path, parts.query, iv.hex() + key.hex())
    )


def parse_aesgcm_url(url: str) -> Tuple[str, bytes, bytes]:
    """aesgcm://REST#IV_HEX KEY_HEX -> (https://REST, iv, key).

    The IV is 12 bytes (XEP-0454) or, in URLs of older clients, 16 bytes."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "aesgcm" or not parts.netloc:
        raise ValueError(f"not an aesgcm:// URL: {url!r}")
    fragment = parts.fragment
    key_digits = 2 * AESGCM_KEY_SIZE
    lengths = (2 * AESGCM_IV_SIZE + key_digits, 2 * AESGCM_LEGACY_IV_SIZE + key_digits)
    if len(fragment) not in lengths or not all(c in string.hexdigits for c in fragment):
        raise ValueError(
            f"the aesgcm URL fragment must be {lengths[0]} or {lengths[1]} hex digits"
            f" (IV and key), not {fragment!r}"
        )
    iv_digits = len(fragment) - key_digits
    https_url = urllib.parse.urlunsplit(("https", parts.netloc, parts.path, parts.query, ""))
    return https_url, bytes.fromhex(fragment[:iv_digits]), bytes.fromhex(fragment[iv_digits:])


def https_request(
    context: ssl.SSLContext, method: str, url: str,
    data: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
) -> bytes:
    """One blocking HTTPS request (run it in a thread); returns the response body.

    No proxies; the server certificate is checked by `context` (the --ca file)
    for the URL's host.  Raises urllib.error.HTTPError for a non-2xx status."""
    if urllib.parse.urlsplit(url).scheme != "https":
        raise ValueError(f"not an https URL: {url!r}")
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    with opener.open(request, timeout=TIMEOUT) as response:
        return response.read()


# --------------------------------------------------------------------------
# XEP-0045 rooms


class Room:
    """What the peer knows about a room it joined (or is joining)."""

    def __init__(self, jid: str, nick: str) -> None:
        self.jid = jid
        self.nick = nick
        # nick -> real bare JID (None if the room does not disclose it)
        self.occupants: Dict[str, Optional[str]] = {}
        # bare JIDs of the owner/admin/member lists (if the room lets us read them)
        self.members: FrozenSet[str] = frozenset()
        # Resolved with the status codes of the self-presence (110).
        self.joined: "asyncio.Future[FrozenSet[str]]" = asyncio.get_running_loop().create_future()
        # True once "joined" was emitted: from then on changes emit "occupant".
        self.announced = False


# --------------------------------------------------------------------------
# Storage


class JsonStorage(omemo.Storage):
    """omemo.Storage on a dict, persisted to one JSON file after every change."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.data: Dict[str, Any] = {}
        if path.exists():
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)

    def flush(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)

    async def _load(self, key: str) -> omemo.Maybe:
        if key in self.data:
            return omemo.Just(self.data[key])
        return omemo.Nothing()

    async def _store(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.flush()

    async def _delete(self, key: str) -> None:
        if self.data.pop(key, None) is not None:
            self.flush()


class MessageCache:
    """Plaintexts of processed messages, keyed by a digest of the ciphertext."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: Dict[str, Any] = {}
        if path.exists():
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        return self.data.get(key)

    def put(self, key: str, value: Dict[str, Any]) -> None:
        self.data[key] = value
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)


def device_id_of(encrypted: ET.Element, namespace: str) -> Optional[int]:
    header = encrypted.find("{" + namespace + "}header")
    try:
        return int(header.get("sid"))
    except (AttributeError, TypeError, ValueError):
        return None


def cache_key(namespace: str, sender: str, encrypted: ET.Element) -> str:
    """Identifies an <encrypted> element independently of its serialization."""
    ns = "{" + namespace + "}"
    header = encrypted.find(f"{ns}header")
    sid = header.get("sid", "") if header is not None else ""
    payload = encrypted.find(f"{ns}payload")
    parts = [namespace, sender, sid, (payload.text or "").strip() if payload is not None else ""]
    if payload is None:
        # No payload: the (unique) encrypted keys identify the message.
        parts.extend(sorted((k.text or "").strip() for k in encrypted.iter(f"{ns}key")))
    if header is not None:
        iv = header.find(f"{ns}iv")
        if iv is not None:
            parts.append((iv.text or "").strip())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --------------------------------------------------------------------------
# SCE (XEP-0420) envelopes for OMEMO 2


def make_envelope(body: str, to: str, own: str) -> bytes:
    rpad = secrets.token_urlsafe(secrets.randbelow(32) + 1)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'<envelope xmlns="{NS_SCE}">'
        f'<content><body xmlns="{NS_CLIENT}">{escape(body)}</body></content>'
        f"<rpad>{escape(rpad)}</rpad>"
        f"<time stamp={quoteattr(stamp)}/>"
        f"<to jid={quoteattr(to)}/>"
        f"<from jid={quoteattr(own)}/>"
        f"</envelope>"
    ).encode("utf-8")


def parse_envelope(plaintext: bytes) -> Tuple[Optional[str], Dict[str, Optional[str]]]:
    """Returns the body (or None) and the affixes of an SCE envelope."""
    root = ET.fromstring(plaintext.decode("utf-8"))
    if root.tag != f"{{{NS_SCE}}}envelope":
        raise ValueError(f"not an SCE envelope: <{root.tag}>")
    content = root.find(f"{{{NS_SCE}}}content")
    if content is None:
        raise ValueError("SCE envelope without <content>")
    body = None
    for child in content:
        if child.tag == "body" or child.tag.endswith("}body"):
            body = child.text or ""
            break

    def affix(name: str, attr: str) -> Optional[str]:
        el = root.find(f"{{{NS_SCE}}}{name}")
        return None if el is None else el.get(attr)

    return body, {
        "from": affix("from", "jid"),
        "to": affix("to", "jid"),
        "time": affix("time", "stamp"),
    }


# --------------------------------------------------------------------------
# python-omemo session manager backed by slixmpp


def publish_options(xmpp: slixmpp.ClientXMPP, **fields: str):
    form = xmpp["xep_0004"].make_form(ftype="submit")
    form.add_field(
        var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options"
    )
    for var, value in fields.items():
        form.add_field(var=var, value=value)
    return form


def first_payload(iq) -> Tuple[Optional[str], Optional[ET.Element]]:
    """The (id, payload) of the 'current' item, else of the last item."""
    items = iq.xml.findall(
        "{http://jabber.org/protocol/pubsub}pubsub/{http://jabber.org/protocol/pubsub}items/"
        "{http://jabber.org/protocol/pubsub}item"
    )
    chosen = None
    for item in items:
        if item.get("id") == "current":
            chosen = item
            break
        chosen = item
    if chosen is None or len(chosen) == 0:
        return None, None
    return chosen.get("id"), chosen[0]


def is_item_not_found(e: IqError) -> bool:
    return e.iq["error"]["condition"] in ("item-not-found", "feature-not-implemented")


class RecordBuildErrors:
    """Backend mixin: remembers why building a session with a device failed.

    SessionManager.encrypt drops such devices silently and, if no device of a
    recipient is left, raises NoEligibleDevices without the reasons; the peer
    reports these in the error event ("errors")."""

    async def build_session_active(self, bare_jid, device_id, bundle, plain_key_material):
        try:
            return await super().build_session_active(bare_jid, device_id, bundle, plain_key_material)
        except Exception as e:
            PeerSessionManager.XMPP.build_errors.append(f"{bare_jid}/{device_id}: {describe(e)}")
            raise


class PeerOldmemo(RecordBuildErrors, oldmemo.Oldmemo):
    pass


class PeerTwomemo(RecordBuildErrors, twomemo.Twomemo):
    pass


BACKEND_OF_VERSION = {"legacy": PeerOldmemo, "omemo2": PeerTwomemo}


class PeerSessionManager(omemo.SessionManager):
    XMPP: "Peer" = None  # set before create(); create() instantiates cls()

    @property
    def xmpp(self) -> "Peer":
        return type(self).XMPP

    async def _upload_bundle(self, bundle: omemo.Bundle) -> None:
        xmpp = self.xmpp
        try:
            if isinstance(bundle, oldmemo.oldmemo.BundleImpl):
                await xmpp["xep_0060"].publish(
                    None,
                    f"{LEGACY_BUNDLES_NODE_PREFIX}{bundle.device_id}",
                    id="current",
                    payload=oldmemo.etree.serialize_bundle(bundle),
                    options=publish_options(xmpp, **{"pubsub#access_model": "open"}),
                    timeout=TIMEOUT,
                )
            elif isinstance(bundle, twomemo.twomemo.BundleImpl):
                await xmpp["xep_0060"].publish(
                    None,
                    V2_BUNDLES_NODE,
                    id=str(bundle.device_id),
                    payload=twomemo.etree.serialize_bundle(bundle),
                    options=publish_options(
                        xmpp,
                        **{"pubsub#access_model": "open", "pubsub#max_items": "max"},
                    ),
                    timeout=TIMEOUT,
                )
            else:
                raise omemo.UnknownNamespace(f"unknown bundle type {type(bundle)}")
        except (IqError, IqTimeout) as e:
            raise omemo.BundleUploadFailed(describe(e)) from e

    async def _download_bundle_unrecorded(
        self, namespace: str, bare_jid: str, device_id: int
    ) -> omemo.Bundle:
        xmpp = self.xmpp
        try:
            if namespace == LEGACY_NS:
                iq = await xmpp["xep_0060"].get_items(
                    bare_jid, f"{LEGACY_BUNDLES_NODE_PREFIX}{device_id}", timeout=TIMEOUT
                )
            elif namespace == V2_NS:
                iq = await xmpp["xep_0060"].get_item(
                    bare_jid, V2_BUNDLES_NODE, str(device_id), timeout=TIMEOUT
                )
            else:
                raise omemo.UnknownNamespace(namespace)
        except IqError as e:
            if is_item_not_found(e):
                raise omemo.BundleNotFound(describe(e)) from e
            raise omemo.BundleDownloadFailed(describe(e)) from e
        except IqTimeout as e:
            raise omemo.BundleDownloadFailed(describe(e)) from e
        _, payload = first_payload(iq)
        if payload is None:
            raise omemo.BundleNotFound(f"no bundle item for {bare_jid}/{device_id}")
        try:
            if namespace == LEGACY_NS:
                return oldmemo.etree.parse_bundle(payload, bare_jid, device_id)
            return twomemo.etree.parse_bundle(payload, bare_jid, device_id)
        except Exception as e:  # schema or key errors
            raise omemo.BundleDownloadFailed(f"bad bundle: {describe(e)}") from e

    async def _download_bundle(self, namespace: str, bare_jid: str, device_id: int) -> omemo.Bundle:
        try:
            return await self._download_bundle_unrecorded(namespace, bare_jid, device_id)
        except Exception as e:
            self.xmpp.build_errors.append(f"{bare_jid}/{device_id}: {describe(e)}")
            raise

    async def _delete_bundle(self, namespace: str, device_id: int) -> None:
        xmpp = self.xmpp
        try:
            if namespace == LEGACY_NS:
                await xmpp["xep_0060"].delete_node(
                    None, f"{LEGACY_BUNDLES_NODE_PREFIX}{device_id}", timeout=TIMEOUT
                )
            elif namespace == V2_NS:
                await xmpp["xep_0060"].retract(None, V2_BUNDLES_NODE, str(device_id), timeout=TIMEOUT)
            else:
                raise omemo.UnknownNamespace(namespace)
        except IqError as e:
            if not is_item_not_found(e):
                raise omemo.BundleDeletionFailed(describe(e)) from e
        except IqTimeout as e:
            raise omemo.BundleDeletionFailed(describe(e)) from e

    async def _upload_device_list(self, namespace: str, device_list: Dict[int, Optional[str]]) -> None:
        xmpp = self.xmpp
        try:
            if namespace == LEGACY_NS:
                node, payload = LEGACY_DEVICELIST_NODE, oldmemo.etree.serialize_device_list(device_list)
            elif namespace == V2_NS:
                node, payload = V2_DEVICES_NODE, twomemo.etree.serialize_device_list(device_list)
            else:
                raise omemo.UnknownNamespace(namespace)
            await xmpp["xep_0060"].publish(
                None,
                node,
                id="current",
                payload=payload,
                options=publish_options(xmpp, **{"pubsub#access_model": "open"}),
                timeout=TIMEOUT,
            )
        except (IqError, IqTimeout) as e:
            raise omemo.DeviceListUploadFailed(describe(e)) from e

    async def _download_device_list(self, namespace: str, bare_jid: str) -> Dict[int, Optional[str]]:
        xmpp = self.xmpp
        if namespace == LEGACY_NS:
            node = LEGACY_DEVICELIST_NODE
        elif namespace == V2_NS:
            node = V2_DEVICES_NODE
        else:
            raise omemo.UnknownNamespace(namespace)
        try:
            iq = await xmpp["xep_0060"].get_items(bare_jid, node, timeout=TIMEOUT)
        except IqError as e:
            # Prosody checks access before existence: for a node that does not
            # exist (e.g. the OMEMO 2 device list of a legacy-only client) a
            # requester without presence subscription gets "forbidden".  All
            # device lists are published with access_model=open, so treat it
            # as "no device list".
            if is_item_not_found(e) or e.iq["error"]["condition"] == "forbidden":
                return {}
            raise omemo.DeviceListDownloadFailed(describe(e)) from e
        except IqTimeout as e:
            raise omemo.DeviceListDownloadFailed(describe(e)) from e
        _, payload = first_payload(iq)
        if payload is None:
            return {}
        try:
            if namespace == LEGACY_NS:
                return oldmemo.etree.parse_device_list(payload)
            return twomemo.etree.parse_device_list(payload)
        except Exception as e:
            raise omemo.DeviceListDownloadFailed(f"bad device list: {describe(e)}") from e

    async def _evaluate_custom_trust_level(self, device: omemo.DeviceInformation) -> omemo.TrustLevel:
        # Blind trust: "BLIND" (and anything else) is trusted.
        return omemo.TrustLevel.TRUSTED

    async def _make_trust_decision(
        self, undecided: FrozenSet[omemo.DeviceInformation], identifier: Optional[str]
    ) -> None:
        for device in undecided:
            await self.set_trust(device.bare_jid, device.identity_key, "BLIND")

    async def _send_message(self, message: omemo.Message, bare_jid: str) -> None:
        # Empty OMEMO messages (session completion, heartbeats) made by the library.
        try:
            self.xmpp.send_omemo(message, bare_jid, body=None)
        except Exception as e:
            raise omemo.MessageSendingFailed(describe(e)) from e


# --------------------------------------------------------------------------
# The XMPP client


class Peer(slixmpp.ClientXMPP):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args.jid, args.password)
        self.args = args
        self.own = JID(args.jid).bare
        self.ca_certs = Path(args.ca)
        self.data_dir = Path(args.data)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.storage = JsonStorage(self.data_dir / "omemo.json")
        self.cache = MessageCache(self.data_dir / "messages.json")
        self.sm: Optional[PeerSessionManager] = None
        self.sm_ready = asyncio.Event()
        self.own_device_id: Optional[int] = None
        self.session_started = asyncio.Event()
        self.failure: "asyncio.Future[str]" = asyncio.get_running_loop().create_future()
        self.quitting = False
        self.lock = asyncio.Lock()  # serializes all session manager use
        self.incoming: "asyncio.Queue[Tuple[ET.Element, Dict[str, Any]]]" = asyncio.Queue()
        self.mam_collectors: Dict[str, List[ET.Element]] = {}
        # --versions: the enabled OMEMO versions and their namespaces
        self.versions: List[str] = list(args.versions)
        self.namespaces: List[str] = [NS_OF_VERSION[v] for v in self.versions]
        # Why sessions could not be built during the current encryption.
        self.build_errors: List[str] = []
        # The last message sent by send / send_corrupted / send_to_unknown_device,
        # per recipient bare JID (for replay_last).
        self.last_sent: Dict[str, Dict[str, Any]] = {}
        # HTTPS for XEP-0363 uploads and downloads, trusting the --ca file only.
        self.https_context = ssl.create_default_context(cafile=str(self.ca_certs))
        self.upload_service: Optional[str] = None  # found by disco, then kept
        # Joined (or joining) rooms by bare JID.
        self.rooms: Dict[str, Room] = {}

        for plugin in (
            "xep_0030", "xep_0004", "xep_0059", "xep_0060", "xep_0115",
            "xep_0163", "xep_0280", "xep_0297", "xep_0199",
        ):
            self.register_plugin(plugin)

        self.auto_authorize = True
        self.auto_subscribe = True

        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.add_event_handler("failed_auth", lambda _e: self.fail("authentication failed"))
        self.add_event_handler(
            "ssl_invalid_chain", lambda e: self.fail(f"TLS: certificate not trusted: {e}")
        )
        self.add_event_handler(
            "connection_failed", lambda e: self.fail(f"connection failed: {e}")
        )
        self.add_event_handler("pubsub_publish", self.on_pubsub_publish)
        self.register_handler(
            Callback("omemo peer: all messages", MatchXPath(f"{{{NS_CLIENT}}}message"), self.on_message)
        )
        self.register_handler(
            Callback("omemo peer: presences", MatchXPath(f"{{{NS_CLIENT}}}presence"), self.on_presence)
        )

    # ---- connection

    async def on_session_start(self, _event: Any) -> None:
        self.session_started.set()

    def fail(self, reason: str) -> None:
        if not self.failure.done():
            self.failure.set_result(reason)

    def on_disconnected(self, _event: Any) -> None:
        if not self.sm_ready.is_set():
            self.fail("disconnected during start")
        elif not self.quitting:
            emit({"event": "disconnected"})
            log.error("disconnected")
            os._exit(2)

    async def start(self) -> None:
        self.connect(address=(self.args.host, self.args.port), force_starttls=True)
        started = asyncio.ensure_future(self.session_started.wait())
        done, _ = await asyncio.wait({started, self.failure}, timeout=TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if self.failure in done:
            started.cancel()
            raise ConnectionError(self.failure.result())
        if started not in done:
            started.cancel()
            raise asyncio.TimeoutError()
        await self.get_roster(timeout=TIMEOUT)
        await self["xep_0280"].enable(timeout=TIMEOUT)

        PeerSessionManager.XMPP = self
        self.sm = await asyncio.wait_for(
            PeerSessionManager.create(
                backends=[BACKEND_OF_VERSION[v](self.storage) for v in self.versions],
                storage=self.storage,
                own_bare_jid=self.own,
                initial_own_label=None,
                undecided_trust_level_name="BLIND",
            ),
            3 * TIMEOUT,
        )
        await asyncio.wait_for(self.sm.ensure_data_consistency(), 3 * TIMEOUT)
        await asyncio.wait_for(self.sm.after_history_sync(), TIMEOUT)
        own_device, _ = await self.sm.get_own_device_information()
        self.own_device_id = own_device.device_id
        self.sm_ready.set()
        asyncio.ensure_future(self.incoming_worker())

        if not self.args.no_presence:
            # Disco features are per bound JID: add them now, after binding.
            for node, namespace in DEVICELIST_NODES.items():
                if namespace in self.namespaces:
                    self["xep_0030"].add_feature(f"{node}+notify")
            self["xep_0030"].add_feature(NS_EME)
            await self["xep_0115"].update_caps(broadcast=False)
            self.send_presence()

        emit({
            "event": "ready",
            "jid": self.own,
            "device_id": {
                "legacy": own_device.device_id if LEGACY_NS in own_device.namespaces else None,
                "omemo2": own_device.device_id if V2_NS in own_device.namespaces else None,
            },
            "fingerprint": "".join(self.sm.format_identity_key(own_device.identity_key)),
            "versions": self.versions,
        })

    # ---- PEP device list notifications

    def on_pubsub_publish(self, msg) -> None:
        node = msg["pubsub_event"]["items"]["node"]
        namespace = DEVICELIST_NODES.get(node)
        if namespace is None or namespace not in self.namespaces:
            return
        sender = msg["from"].bare or self.own
        for item in msg.xml.iter("{http://jabber.org/protocol/pubsub#event}item"):
            if len(item) == 0:
                continue
            payload = item[0]
            asyncio.ensure_future(self.apply_device_list(namespace, sender, payload))

    async def apply_device_list(self, namespace: str, sender: str, payload: ET.Element) -> None:
        await self.sm_ready.wait()
        try:
            if namespace == LEGACY_NS:
                devices = oldmemo.etree.parse_device_list(payload)
            else:
                devices = twomemo.etree.parse_device_list(payload)
            async with self.lock:
                await asyncio.wait_for(self.sm.update_device_list(namespace, sender, devices), TIMEOUT)
            log.info("device list %s of %s: %s", VERSION_OF_NS[namespace], sender, sorted(devices))
        except Exception as e:
            log.warning("bad device list update from %s: %s", sender, describe(e))

    # ---- sending

    def send_omemo(self, message: omemo.Message, to: str, body: Optional[str]) -> Tuple[str, ET.Element]:
        if message.namespace == LEGACY_NS:
            encrypted = oldmemo.etree.serialize_message(message)
        elif message.namespace == V2_NS:
            encrypted = twomemo.etree.serialize_message(message)
        else:
            raise omemo.UnknownNamespace(message.namespace)
        return self.send_encrypted(encrypted, message.namespace, to, body), encrypted

    def send_encrypted(
        self, encrypted: ET.Element, namespace: str, to: str, body: Optional[str], mtype: str = "chat"
    ) -> str:
        """Sends a message (chat, or groupchat to a room) carrying the given <encrypted> element;
        returns its id."""
        msg = self.make_message(mto=to, mtype=mtype)
        msg_id = uuid.uuid4().hex
        msg["id"] = msg_id
        if body is not None:
            msg["body"] = body
        msg.xml.append(encrypted)
        ET.SubElement(
            msg.xml, f"{{{NS_EME}}}encryption", {"namespace": namespace, "name": "OMEMO"}
        )
        ET.SubElement(msg.xml, f"{{{NS_HINTS}}}store")
        msg.send()
        return msg_id

    def enabled_namespace(self, version: Any, name: str) -> str:
        namespace = NS_OF_VERSION.get(version)
        if namespace is None:
            raise ValueError(f"{name}: 'version' must be legacy or omemo2, not {version!r}")
        if namespace not in self.namespaces:
            raise ValueError(
                f"{name}: OMEMO version {version} is not enabled (--versions {','.join(self.versions)})"
            )
        return namespace

    async def encrypt_body(
        self, recipients: FrozenSet[str], body: str, version: str, sce_to: str
    ) -> Tuple[omemo.Message, Any]:
        """Encrypts body for the recipients' bare JIDs (and own other devices) with one version;
        call with self.lock held.  sce_to: the omemo2 envelope's <to> (recipient or room)."""
        namespace = NS_OF_VERSION[version]
        # Device lists may be stale without PEP notifications (no presence
        # subscription); fetch them all before encrypting.
        for jid in [*sorted(recipients - {self.own}), self.own]:
            await self.sm.refresh_device_list(namespace, jid)
        plaintext = (
            body.encode("utf-8") if namespace == LEGACY_NS else make_envelope(body, sce_to, self.own)
        )
        self.build_errors = []
        try:
            messages, errors = await self.sm.encrypt(
                frozenset(recipients), {namespace: plaintext}, backend_priority_order=[namespace]
            )
        except omemo.NoEligibleDevices as e:
            # The reasons (bundle not found, bad signed pre key signature, ...)
            raise CommandError(describe(e), errors=list(self.build_errors)) from e
        for message in messages:
            if message.namespace == namespace:
                return message, errors
        raise RuntimeError(f"nothing encrypted with {version}; errors: {list(errors)}")

    async def send_command(self, cmd: Dict[str, Any], name: str, mutate=None) -> None:
        """send / send_corrupted / send_to_unknown_device."""
        to = bare(cmd.get("to"))
        body = cmd.get("body")
        version = cmd.get("version", "omemo2")
        if not to or not isinstance(body, str):
            raise ValueError(f"{name} needs 'to', 'body' and 'version' legacy|omemo2")
        emit(await self.send_body(name, to, body, version, mutate))

    async def send_body(
        self, name: str, to: str, body: str, version: str, mutate=None
    ) -> Dict[str, Any]:
        """Encrypts and sends a chat message to `to`; returns the "sent" event (not emitted).

        mutate(encrypted, message, to) may change the serialized <encrypted>
        element before it is sent and returns fields to add to the "sent"
        event (it may replace "devices")."""
        namespace = self.enabled_namespace(version, name)
        async with self.lock:
            message, errors = await self.encrypt_body(frozenset([to]), body, version, sce_to=to)
            if namespace == LEGACY_NS:
                encrypted = oldmemo.etree.serialize_message(message)
            else:
                encrypted = twomemo.etree.serialize_message(message)
            sent: Dict[str, Any] = {
                "event": "sent",
                "id": None,
                "to": to,
                "version": version,
                "devices": sorted([k.bare_jid, k.device_id] for k, _ in message.keys),
                "errors": [
                    f"{e.bare_jid}/{e.device_id}: {describe(e.exception)}" for e in errors
                ],
            }
            if mutate is not None:
                sent.update(await mutate(encrypted, message, to))
            kept = copy.deepcopy(encrypted)
            sent["id"] = self.send_encrypted(encrypted, namespace, to, FALLBACK_BODY)
            self.cache.put(cache_key(namespace, self.own, kept), {
                "body": body, "own": True, "version": version, "to": to,
                "device": message.device_id,
            })
            self.last_sent[to] = {"encrypted": kept, "namespace": namespace, "sent": dict(sent)}
        return sent

    async def cmd_send(self, cmd: Dict[str, Any]) -> None:
        await self.send_command(cmd, "send")

    async def cmd_send_corrupted(self, cmd: Dict[str, Any]) -> None:
        async def corrupt(encrypted: ET.Element, message: omemo.Message, to: str) -> Dict[str, Any]:
            payload = encrypted.find(f"{{{message.namespace}}}payload")
            if payload is None:
                raise RuntimeError("no <payload> to corrupt")
            # Flip two bytes in the middle of the ciphertext; keys and IV stay valid.
            payload.text = flip_base64(payload.text, [0.4, 0.6])
            return {"corrupted": True}

        await self.send_command(cmd, "send_corrupted", corrupt)

    async def cmd_send_to_unknown_device(self, cmd: Dict[str, Any]) -> None:
        async def redirect(encrypted: ET.Element, message: omemo.Message, to: str) -> Dict[str, Any]:
            real = sorted({k.device_id for k, _ in message.keys if k.bare_jid == to})
            known = set(real)
            known.update(d.device_id for d in await self.sm.get_device_information(to))
            if to == self.own:
                known.add(self.own_device_id)
            rewritten = []
            fake = 424242
            for key in recipient_keys(encrypted, message.namespace, to, real):
                while fake in known:
                    fake += 1
                rewritten.append([to, int(key.get("rid")), fake])
                key.set("rid", str(fake))
                known.add(fake)
            if not rewritten:
                raise RuntimeError(f"no key for a device of {to} to rewrite")
            new_rid = {old: new for _, old, new in rewritten}
            devices = sorted(
                [j, new_rid.get(d, d) if j == to else d] for j, d in
                ([k.bare_jid, k.device_id] for k, _ in message.keys)
            )
            return {"devices": devices, "rewritten": rewritten}

        await self.send_command(cmd, "send_to_unknown_device", redirect)

    async def cmd_replay_last(self, cmd: Dict[str, Any]) -> None:
        to = bare(cmd.get("to"))
        if not to:
            raise ValueError("replay_last needs 'to'")
        last = self.last_sent.get(to)
        if last is None:
            raise ValueError(f"replay_last: nothing was sent to {to} yet")
        async with self.lock:
            msg_id = self.send_encrypted(
                copy.deepcopy(last["encrypted"]), last["namespace"], to, FALLBACK_BODY
            )
        emit({**last["sent"], "id": msg_id, "replay_of": last["sent"]["id"]})

    # ---- files (XEP-0454 over XEP-0363)

    async def find_upload_service(self) -> str:
        """The first disco#items entry of the server domain offering urn:xmpp:http:upload:0."""
        if self.upload_service is not None:
            return self.upload_service
        domain = self.boundjid.domain
        disco = self["xep_0030"]
        items = await disco.get_items(jid=domain, timeout=TIMEOUT)
        for jid, _node, _name in sorted(items["disco_items"]["items"], key=lambda i: str(i[0])):
            try:
                info = await disco.get_info(jid=jid, timeout=TIMEOUT)
            except IqError as e:
                log.info("disco#info of %s failed: %s", jid, describe(e))
                continue
            if NS_HTTP_UPLOAD in info["disco_info"]["features"]:
                self.upload_service = str(jid)
                return self.upload_service
        raise RuntimeError(f"no {NS_HTTP_UPLOAD} service among the disco#items of {domain}")

    async def request_slot(self, service: str, filename: str, size: int) -> Tuple[str, str, Dict[str, str]]:
        """Asks `service` for an upload slot; returns (get URL, put URL, headers for the PUT)."""
        iq = self.make_iq_get(ito=service)
        ET.SubElement(iq.xml, f"{{{NS_HTTP_UPLOAD}}}request", {
            "filename": filename, "size": str(size), "content-type": "application/octet-stream",
        })
        answer = await iq.send(timeout=TIMEOUT)
        ns = "{" + NS_HTTP_UPLOAD + "}"
        put = answer.xml.find(f"{ns}slot/{ns}put")
        get = answer.xml.find(f"{ns}slot/{ns}get")
        if put is None or get is None or not put.get("url") or not get.get("url"):
            raise RuntimeError(
                f"upload slot without put/get URL: {ET.tostring(answer.xml, encoding='unicode')}"
            )
        allowed = {name.lower(): name for name in UPLOAD_HEADERS}
        headers: Dict[str, str] = {}
        for header in put.iterfind(f"{ns}header"):
            name = (header.get("name") or "").strip().lower()
            if name in allowed:
                # XEP-0363: newlines must not be passed on.
                headers[allowed[name]] = " ".join((header.text or "").split())
            else:
                log.info("ignoring upload slot header %r (not one of %s)", header.get("name"), UPLOAD_HEADERS)
        return get.get("url"), put.get("url"), headers

    async def cmd_send_file(self, cmd: Dict[str, Any]) -> None:
        to = bare(cmd.get("to"))
        path = cmd.get("path")
        version = cmd.get("version", "omemo2")
        if not to or not isinstance(path, str):
            raise ValueError("send_file needs 'to', 'path' and 'version' legacy|omemo2")
        self.enabled_namespace(version, "send_file")  # refuse before uploading anything
        data = await asyncio.to_thread(Path(path).read_bytes)
        key = secrets.token_bytes(AESGCM_KEY_SIZE)
        iv = secrets.token_bytes(AESGCM_IV_SIZE)
        upload = AESGCM(key).encrypt(iv, data, None)  # ciphertext || 16-byte tag
        service = bare(cmd.get("service")) or await self.find_upload_service()
        get_url, put_url, headers = await self.request_slot(service, Path(path).name or "file", len(upload))
        headers["Content-Type"] = "application/octet-stream"
        await asyncio.to_thread(https_request, self.https_context, "PUT", put_url, upload, headers)
        url = make_aesgcm_url(get_url, iv, key)
        sent = await self.send_body("send_file", to, url, version)
        emit({
            **sent, "event": "sent_file", "url": url, "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "service": service,
        })

    async def cmd_fetch_file(self, cmd: Dict[str, Any]) -> None:
        url = cmd.get("url")
        out = cmd.get("path")
        if not isinstance(url, str) or not isinstance(out, str):
            raise ValueError("fetch_file needs 'url' (aesgcm://) and 'path'")
        https_url, iv, key = parse_aesgcm_url(url)
        data = await asyncio.to_thread(https_request, self.https_context, "GET", https_url)
        if len(data) < AESGCM_TAG_SIZE:
            raise ValueError(f"the download has {len(data)} bytes, fewer than the GCM tag")
        try:
            plaintext = AESGCM(key).decrypt(iv, data, None)
        except InvalidTag as e:
            raise CommandError(
                "InvalidTag: the GCM tag does not match (wrong key or IV, or altered data)"
            ) from e
        await asyncio.to_thread(Path(out).write_bytes, plaintext)
        emit({
            "event": "fetched_file", "url": url, "path": out,
            "sha256": hashlib.sha256(plaintext).hexdigest(), "size": len(plaintext),
        })

    # ---- rooms (XEP-0045) and OMEMO in them

    def on_presence(self, pres) -> None:
        xml = pres.xml
        sender = xml.get("from") or ""
        room = self.rooms.get(bare(sender) or "")
        if room is None:
            return
        nick = JID(sender).resource
        kind = xml.get("type")
        if kind == "error":
            reason = f"{pres['error']['condition']} {pres['error']['text']}".strip()
            if not room.joined.done():
                room.joined.set_exception(CommandError(f"join_room: {room.jid} refused: {reason}"))
            else:
                log.warning("presence error from %s: %s", sender, reason)
            return
        x = xml.find(f"{{{NS_MUC_USER}}}x")
        if x is None or not nick:
            return
        item = x.find(f"{{{NS_MUC_USER}}}item")
        real = bare(item.get("jid")) if item is not None else None
        codes = frozenset(s.get("code") or "" for s in x.iterfind(f"{{{NS_MUC_USER}}}status"))
        available = kind != "unavailable"
        if available:
            room.occupants[nick] = real
        else:
            room.occupants.pop(nick, None)
        if "110" in codes and not room.joined.done():
            if available:
                room.joined.set_result(codes)
            else:
                room.joined.set_exception(CommandError(
                    f"join_room: {room.jid} removed us at once (status {sorted(codes)})"
                ))
            return
        if room.announced:
            emit({"event": "occupant", "room": room.jid, "nick": nick, "jid": real, "available": available})

    async def fetch_affiliations(self, room_jid: str) -> Optional[FrozenSet[str]]:
        """The bare JIDs of the owner, admin and member lists, or None if the room refuses."""
        jids = set()
        for affiliation in ("owner", "admin", "member"):
            iq = self.make_iq_get(ito=room_jid)
            query = ET.SubElement(iq.xml, f"{{{NS_MUC_ADMIN}}}query")
            ET.SubElement(query, f"{{{NS_MUC_ADMIN}}}item", {"affiliation": affiliation})
            try:
                answer = await iq.send(timeout=TIMEOUT)
            except IqError as e:
                log.info("cannot read the %s list of %s: %s", affiliation, room_jid, describe(e))
                return None
            for item in answer.xml.iterfind(f"{{{NS_MUC_ADMIN}}}query/{{{NS_MUC_ADMIN}}}item"):
                if bare(item.get("jid")):
                    jids.add(bare(item.get("jid")))
        return frozenset(jids)

    async def configure_room(self, room_jid: str) -> None:
        """Makes a new room members-only, non-anonymous and persistent (muc#owner form)."""
        iq = self.make_iq_get(ito=room_jid)
        ET.SubElement(iq.xml, f"{{{NS_MUC_OWNER}}}query")
        answer = await iq.send(timeout=TIMEOUT)
        form = answer.xml.find(f"{{{NS_MUC_OWNER}}}query/{{{NS_DATA}}}x")
        offered = set() if form is None else {
            field.get("var") for field in form.iterfind(f"{{{NS_DATA}}}field")
        }
        missing = sorted(set(ROOM_CONFIG) - offered)
        if missing:
            raise RuntimeError(f"the configuration form of {room_jid} has no field {missing}")
        iq = self.make_iq_set(ito=room_jid)
        query = ET.SubElement(iq.xml, f"{{{NS_MUC_OWNER}}}query")
        form = ET.SubElement(query, f"{{{NS_DATA}}}x", {"type": "submit"})
        for var, value in {"FORM_TYPE": NS_MUC_ROOMCONFIG, **ROOM_CONFIG}.items():
            field = ET.SubElement(form, f"{{{NS_DATA}}}field", {"var": var})
            ET.SubElement(field, f"{{{NS_DATA}}}value").text = value
        await iq.send(timeout=TIMEOUT)

    async def cmd_join_room(self, cmd: Dict[str, Any]) -> None:
        room_jid = bare(cmd.get("room"))
        nick = cmd.get("nick")
        if not room_jid or not isinstance(nick, str) or not nick:
            raise ValueError("join_room needs 'room' and 'nick'")
        if room_jid in self.rooms:
            raise ValueError(f"join_room: already in (or joining) {room_jid}")
        room = Room(room_jid, nick)
        self.rooms[room_jid] = room
        try:
            pres = self.make_presence(pto=f"{room_jid}/{nick}")
            x = ET.SubElement(pres.xml, f"{{{NS_MUC}}}x")
            ET.SubElement(x, f"{{{NS_MUC}}}history", {"maxstanzas": "0"})
            pres.send()
            codes = await asyncio.wait_for(room.joined, TIMEOUT)
            created = "201" in codes
            if created and cmd.get("create"):
                await self.configure_room(room_jid)
            members = await self.fetch_affiliations(room_jid)
        except BaseException:
            del self.rooms[room_jid]
            raise
        if members is not None:
            room.members = members
        room.announced = True
        emit({
            "event": "joined", "room": room_jid, "nick": nick, "created": created,
            "occupants": sorted([n, j] for n, j in room.occupants.items()),
            "members": sorted(room.members),
        })

    async def cmd_set_member(self, cmd: Dict[str, Any]) -> None:
        room_jid = bare(cmd.get("room"))
        jid = bare(cmd.get("jid"))
        if not room_jid or not jid:
            raise ValueError("set_member needs 'room' and 'jid'")
        iq = self.make_iq_set(ito=room_jid)
        query = ET.SubElement(iq.xml, f"{{{NS_MUC_ADMIN}}}query")
        ET.SubElement(query, f"{{{NS_MUC_ADMIN}}}item", {"jid": jid, "affiliation": "member"})
        await iq.send(timeout=TIMEOUT)
        room = self.rooms.get(room_jid)
        if room is not None:
            room.members = room.members | {jid}
        emit({"event": "member_set", "room": room_jid, "jid": jid})

    async def cmd_send_room(self, cmd: Dict[str, Any]) -> None:
        room_jid = bare(cmd.get("room"))
        body = cmd.get("body")
        version = cmd.get("version", "omemo2")
        if not room_jid or not isinstance(body, str):
            raise ValueError("send_room needs 'room', 'body' and 'version' legacy|omemo2")
        namespace = self.enabled_namespace(version, "send_room")
        room = self.rooms.get(room_jid)
        if room is None or not room.announced:
            raise ValueError(f"send_room: not in room {room_jid} (join_room first)")
        members = await self.fetch_affiliations(room_jid)
        if members is not None:
            room.members = members
        hidden = sorted(nick for nick, jid in room.occupants.items() if jid is None)
        if hidden:
            raise ValueError(
                f"send_room: {room_jid} does not disclose the real JIDs of {hidden}"
                " (OMEMO needs a non-anonymous room)"
            )
        recipients = frozenset(j for j in room.occupants.values() if j) | room.members | {self.own}
        async with self.lock:
            message, errors = await self.encrypt_body(recipients, body, version, sce_to=room_jid)
            if namespace == LEGACY_NS:
                encrypted = oldmemo.etree.serialize_message(message)
            else:
                encrypted = twomemo.etree.serialize_message(message)
            kept = copy.deepcopy(encrypted)
            msg_id = self.send_encrypted(encrypted, namespace, room_jid, FALLBACK_BODY, mtype="groupchat")
            # The room reflects the message to us: report it from the cache.
            self.cache.put(cache_key(namespace, self.own, kept), {
                "body": body, "own": True, "version": version, "to": room_jid,
                "device": message.device_id,
            })
        emit({
            "event": "sent_room", "id": msg_id, "room": room_jid, "version": version,
            "recipients": sorted(recipients),
            "devices": sorted([k.bare_jid, k.device_id] for k, _ in message.keys),
            "errors": [f"{e.bare_jid}/{e.device_id}: {describe(e.exception)}" for e in errors],
        })

    async def process_groupchat(self, xml: ET.Element) -> bool:
        """A type="groupchat" message; returns True if an event was emitted."""
        sender = xml.get("from") or ""
        room_jid = bare(sender)
        room = self.rooms.get(room_jid or "")
        nick = JID(sender).resource
        if room is None or not nick:
            # Not a room we joined, or the room itself (subject, status codes).
            return False
        real = room.occupants.get(nick)
        own = nick == room.nick
        common = {"room": room_jid, "nick": nick, "jid": real, "id": xml.get("id")}
        found = [
            (namespace, el) for namespace in (V2_NS, LEGACY_NS)
            if (el := xml.find(f"{{{namespace}}}encrypted")) is not None
        ]
        usable = [(namespace, el) for namespace, el in found if namespace in self.namespaces]
        if found and not usable:
            version = VERSION_OF_NS[found[0][0]]
            emit({
                "event": "room_undecryptable", **common, "version": version, "own": own,
                "detail": f"UnknownNamespace: OMEMO version {version} is not enabled"
                          f" (--versions {','.join(self.versions)})",
            })
            return True
        if usable:
            namespace, encrypted = usable[0]
            version = VERSION_OF_NS[namespace]
            if encrypted.find(f"{{{namespace}}}payload") is None:
                log.info("ignoring an OMEMO %s message without payload from %s", version, sender)
                return False
            if real is None:
                emit({
                    "event": "room_undecryptable", **common, "version": version, "own": own,
                    "detail": f"UnknownSender: {room_jid} did not disclose the real JID of {nick!r}",
                })
                return True
            await self.sm_ready.wait()
            try:
                entry, cached = await self.decrypt_entry(encrypted, namespace, real, room_jid)
            except Exception as e:
                log.info("undecryptable %s room message from %s", version, sender, exc_info=True)
                emit({
                    "event": "room_undecryptable", **common, "version": version, "own": own,
                    "detail": describe(e),
                })
                return True
            if "error" in entry or "body" not in entry:
                event = {
                    "event": "room_undecryptable", **common, "version": version, "own": own,
                    "detail": entry.get("error", "decrypted, but: no payload"), "cached": cached,
                }
                if "envelope" in entry:
                    event["envelope"] = entry["envelope"]
                emit(event)
                return True
            event = {
                "event": "room_message", **common, "body": entry["body"], "version": version,
                "encrypted": True, "own": own or bool(entry.get("own")), "cached": cached,
                "device": entry.get("device"),
            }
            for extra in ("envelope", "sce"):
                if extra in entry:
                    event[extra] = entry[extra]
            emit(event)
            return True
        body = xml.find(f"{{{NS_CLIENT}}}body")
        if body is None:
            return False
        emit({
            "event": "room_message", **common, "body": body.text or "", "version": None,
            "encrypted": False, "own": own, "cached": False, "device": None,
        })
        return True

    # ---- failure tests on the own public data

    async def cmd_forge_bundle(self, cmd: Dict[str, Any]) -> None:
        version = cmd.get("version", "omemo2")
        namespace = self.enabled_namespace(version, "forge_bundle")
        device_id = self.own_device_id
        pubsub = self["xep_0060"]
        async with self.lock:
            if namespace == LEGACY_NS:
                node, item_id, sig_tag = (
                    f"{LEGACY_BUNDLES_NODE_PREFIX}{device_id}", "current", "signedPreKeySignature"
                )
                iq = await pubsub.get_items(self.own, node, timeout=TIMEOUT)
                options = publish_options(self, **{"pubsub#access_model": "open"})
            else:
                node, item_id, sig_tag = V2_BUNDLES_NODE, str(device_id), "spks"
                iq = await pubsub.get_item(self.own, node, item_id, timeout=TIMEOUT)
                options = publish_options(
                    self, **{"pubsub#access_model": "open", "pubsub#max_items": "max"}
                )
            _, payload = first_payload(iq)
            if payload is None:
                raise RuntimeError(f"own {version} bundle not found on {node}")
            bundle = copy.deepcopy(payload)
            sig = bundle.find(f"{{{namespace}}}{sig_tag}")
            if sig is None:
                raise RuntimeError(f"own {version} bundle has no <{sig_tag}>")
            # Flip bytes of R (the first half): the legacy sign bit (byte 63) stays.
            sig.text = flip_base64(sig.text, [0.1, 0.2])
            # Still well-formed (schema, key sizes): only the signature check fails.
            if namespace == LEGACY_NS:
                oldmemo.etree.parse_bundle(bundle, self.own, device_id)
            else:
                twomemo.etree.parse_bundle(bundle, self.own, device_id)
            await pubsub.publish(
                None, node, id=item_id, payload=bundle, options=options, timeout=TIMEOUT
            )
        emit({"event": "forged", "version": version, "device_id": device_id})

    async def cmd_fingerprint(self, cmd: Dict[str, Any]) -> None:
        own_device, _ = await self.sm.get_own_device_information()
        ed25519 = own_device.identity_key
        curve = xeddsa.ed25519_pub_to_curve25519_pub(ed25519).hex()
        event: Dict[str, Any] = {"event": "fingerprint", "hex": curve}
        if LEGACY_NS in self.namespaces:
            event["legacy"] = curve
        if V2_NS in self.namespaces:
            event["omemo2"] = ed25519.hex()
        emit(event)

    # ---- receiving

    def on_message(self, msg) -> None:
        xml = msg.xml
        result = xml.find(f"{{{NS_MAM}}}result")
        if result is not None:
            # Archive results are handled by the query that asked for them.
            sender = bare(xml.get("from"))
            collector = self.mam_collectors.get(result.get("queryid", ""))
            if collector is not None and sender in (None, self.own):
                collector.append(xml)
            return
        self.incoming.put_nowait((xml, {"mam": False}))

    async def incoming_worker(self) -> None:
        while True:
            xml, ctx = await self.incoming.get()
            try:
                await self.process(xml, mam=ctx["mam"])
            except Exception as e:
                log.exception("processing a message failed")
                emit({"event": "error", "cmd": None, "detail": f"processing a message: {describe(e)}"})

    async def process(self, xml: ET.Element, mam: bool) -> bool:
        """Processes one (outer) message stanza; returns True if an event was emitted."""
        carbon = False
        inner = xml
        if mam:
            fwd = xml.find(f"{{{NS_MAM}}}result/{{{NS_FORWARD}}}forwarded/{{{NS_CLIENT}}}message")
            if fwd is None:
                return False
            inner = fwd
        for kind in ("received", "sent"):
            fwd = inner.find(f"{{{NS_CARBONS}}}{kind}/{{{NS_FORWARD}}}forwarded/{{{NS_CLIENT}}}message")
            if fwd is not None:
                if bare(inner.get("from")) not in (None, self.own):
                    log.warning("ignoring a carbon from %s", inner.get("from"))
                    return False
                carbon = True
                inner = fwd
                break
        if inner.get("type") == "error":
            return False
        if inner.get("type") == "groupchat":
            return await self.process_groupchat(inner)

        sender = bare(inner.get("from")) or self.own
        common = {"carbon": carbon, "mam": mam, "id": inner.get("id")}
        for namespace in (V2_NS, LEGACY_NS):
            encrypted = inner.find(f"{{{namespace}}}encrypted")
            if encrypted is not None and namespace in self.namespaces:
                await self.decrypt(encrypted, namespace, sender, bare(inner.get("to")), common)
                return True
        for namespace in (V2_NS, LEGACY_NS):
            if inner.find(f"{{{namespace}}}encrypted") is not None:
                version = VERSION_OF_NS[namespace]
                emit({
                    "event": "undecryptable", "from": sender, "version": version, **common,
                    "detail": f"UnknownNamespace: OMEMO version {version} is not enabled"
                              f" (--versions {','.join(self.versions)})",
                })
                return True
        body = inner.find(f"{{{NS_CLIENT}}}body")
        if body is not None and inner.find("{http://jabber.org/protocol/pubsub#event}event") is None:
            emit({"event": "plain", "from": sender, "body": body.text or "", **common})
            return True
        return False

    async def decrypt(
        self, encrypted: ET.Element, namespace: str, sender: str, to: Optional[str], common: Dict[str, Any]
    ) -> None:
        version = VERSION_OF_NS[namespace]
        await self.sm_ready.wait()
        ns = "{" + namespace + "}"
        if encrypted.find(f"{ns}payload") is None and not self.addressed_to_us(encrypted, namespace):
            # An empty message (session completion, heartbeat) for another
            # device, e.g. seen as a carbon or in the archive: nothing to do.
            emit({
                "event": "empty", "from": sender, "version": version, "cached": False,
                "device": device_id_of(encrypted, namespace), "for_us": False, **common,
            })
            return
        try:
            entry, cached = await self.decrypt_entry(encrypted, namespace, sender, to)
        except Exception as e:
            log.info("undecryptable %s message from %s", version, sender, exc_info=True)
            emit({
                "event": "undecryptable", "from": sender, "detail": describe(e),
                "version": version, **common,
            })
            return
        self.report(entry, sender, version, common, cached=cached)

    async def decrypt_entry(
        self, encrypted: ET.Element, namespace: str, sender: str, to: Optional[str]
    ) -> Tuple[Dict[str, Any], bool]:
        """(entry, cached): the cached outcome for this <encrypted> element, else decrypts it
        (sender: the real bare JID) and caches the outcome.  Raises if python-omemo cannot
        decrypt it; a decrypted but bad content is an entry with "error" (see interpret)."""
        key = cache_key(namespace, sender, encrypted)
        async with self.lock:
            cached = self.cache.get(key)
            if cached is not None:
                return cached, True
            if namespace == LEGACY_NS:
                message = await asyncio.wait_for(
                    oldmemo.etree.parse_message(encrypted, sender, self.own, self.sm), TIMEOUT
                )
            else:
                message = twomemo.etree.parse_message(encrypted, sender)
            plaintext, device, _ = await asyncio.wait_for(self.sm.decrypt(message), 2 * TIMEOUT)
            # Decrypted: the ratchet key is used up, so remember the outcome
            # (even if the content turns out to be bad).
            entry = self.interpret(plaintext, namespace, sender, device.device_id, to)
            self.cache.put(key, entry)
            return entry, False

    @staticmethod
    def interpret(
        plaintext: Optional[bytes], namespace: str, sender: str, device_id: int, to: Optional[str]
    ) -> Dict[str, Any]:
        entry: Dict[str, Any] = {
            "version": VERSION_OF_NS[namespace], "device": device_id, "to": to,
        }
        try:
            if plaintext is None:
                entry["empty"] = True
            elif namespace == LEGACY_NS:
                entry["body"] = plaintext.decode("utf-8")
            else:
                entry["envelope"] = plaintext.decode("utf-8", errors="replace")
                body, affixes = parse_envelope(plaintext)
                entry["sce"] = affixes
                if affixes["from"] is not None and bare(affixes["from"]) != sender:
                    raise ValueError(
                        f"SCE <from> affix {affixes['from']!r} does not match the sender {sender}"
                    )
                if body is None:
                    raise ValueError("SCE envelope content has no <body>")
                entry["body"] = body
        except Exception as e:
            entry["error"] = f"decrypted, but: {describe(e)}"
        return entry

    def addressed_to_us(self, encrypted: ET.Element, namespace: str) -> bool:
        ns = "{" + namespace + "}"
        own_id = str(self.own_device_id)
        if namespace == LEGACY_NS:
            keys = encrypted.iterfind(f"{ns}header/{ns}key")
        else:
            keys = (
                key
                for keys_el in encrypted.iterfind(f"{ns}header/{ns}keys")
                if bare(keys_el.get("jid")) == self.own
                for key in keys_el.iterfind(f"{ns}key")
            )
        return any(key.get("rid") == own_id for key in keys)

    def report(
        self, entry: Dict[str, Any], sender: str, version: str, common: Dict[str, Any], cached: bool
    ) -> None:
        if "error" in entry:
            event = {
                "event": "undecryptable", "from": sender, "detail": entry["error"],
                "version": version, **common, "cached": cached,
            }
            if "envelope" in entry:
                event["envelope"] = entry["envelope"]
            emit(event)
            return
        if entry.get("empty"):
            emit({
                "event": "empty", "from": sender, "version": version, "cached": cached,
                "device": entry.get("device"), **common,
            })
            return
        event = {
            "event": "message", "from": sender, "body": entry["body"], "version": version,
            **common, "cached": cached, "own": bool(entry.get("own")),
            "device": entry.get("device"), "to": entry.get("to"),
        }
        for extra in ("envelope", "sce"):
            if extra in entry:
                event[extra] = entry[extra]
        emit(event)

    # ---- MAM

    async def cmd_mam(self, cmd: Dict[str, Any]) -> None:
        with_jid = bare(cmd.get("with"))
        if not with_jid:
            raise ValueError("mam needs 'with'")
        results: List[ET.Element] = []
        after: Optional[str] = None
        for _page in range(100):
            query_id = uuid.uuid4().hex
            collected: List[ET.Element] = []
            self.mam_collectors[query_id] = collected
            try:
                iq = self.make_iq_set()
                query = ET.SubElement(iq.xml, f"{{{NS_MAM}}}query", {"queryid": query_id})
                form = ET.SubElement(query, f"{{{NS_DATA}}}x", {"type": "submit"})
                field = ET.SubElement(form, f"{{{NS_DATA}}}field", {"var": "FORM_TYPE", "type": "hidden"})
                ET.SubElement(field, f"{{{NS_DATA}}}value").text = NS_MAM
                field = ET.SubElement(form, f"{{{NS_DATA}}}field", {"var": "with"})
                ET.SubElement(field, f"{{{NS_DATA}}}value").text = with_jid
                rsm = ET.SubElement(query, f"{{{NS_RSM}}}set")
                ET.SubElement(rsm, f"{{{NS_RSM}}}max").text = "50"
                if after is not None:
                    ET.SubElement(rsm, f"{{{NS_RSM}}}after").text = after
                answer = await iq.send(timeout=TIMEOUT)
            finally:
                self.mam_collectors.pop(query_id, None)
            results.extend(collected)
            fin = answer.xml.find(f"{{{NS_MAM}}}fin")
            if fin is None or fin.get("complete") in ("true", "1"):
                break
            last = fin.find(f"{{{NS_RSM}}}set/{{{NS_RSM}}}last")
            if last is None or not last.text or not collected:
                break
            after = last.text
        count = 0
        self.sm.before_history_sync()
        try:
            for xml in results:
                if await self.process(xml, mam=True):
                    count += 1
        finally:
            await asyncio.wait_for(self.sm.after_history_sync(), TIMEOUT)
        emit({"event": "mam_done", "with": with_jid, "count": count})

    # ---- devices

    async def cmd_devices(self, cmd: Dict[str, Any]) -> None:
        jid = bare(cmd.get("jid")) or self.own
        event: Dict[str, Any] = {"event": "devices", "jid": jid}
        for namespace, version in VERSION_OF_NS.items():
            event[version] = sorted(await self.sm._download_device_list(namespace, jid))
        emit(event)


# --------------------------------------------------------------------------
# main


async def read_commands(peer: Peer) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    handlers = {
        "send": peer.cmd_send,
        "send_corrupted": peer.cmd_send_corrupted,
        "send_to_unknown_device": peer.cmd_send_to_unknown_device,
        "replay_last": peer.cmd_replay_last,
        "forge_bundle": peer.cmd_forge_bundle,
        "fingerprint": peer.cmd_fingerprint,
        "mam": peer.cmd_mam,
        "devices": peer.cmd_devices,
        "send_file": peer.cmd_send_file,
        "fetch_file": peer.cmd_fetch_file,
        "join_room": peer.cmd_join_room,
        "set_member": peer.cmd_set_member,
        "send_room": peer.cmd_send_room,
    }
    while True:
        line = await reader.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        name = None
        try:
            cmd = json.loads(line)
            name = cmd.get("cmd")
            if name == "quit":
                break
            handler = handlers.get(name)
            if handler is None:
                raise ValueError(f"unknown command {name!r}")
            await asyncio.wait_for(handler(cmd), 4 * TIMEOUT)
        except Exception as e:
            log.info("command %s failed", name, exc_info=True)
            extra = e.extra if isinstance(e, CommandError) else {}
            emit({"event": "error", "cmd": name, "detail": describe(e), **extra})


async def main() -> int:
    global TIMEOUT
    parser = argparse.ArgumentParser(description="OMEMO interop peer (python-omemo + slixmpp)")
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--no-presence", action="store_true")
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    parser.add_argument("--versions", default="legacy,omemo2",
                        help="comma separated OMEMO versions to set up: legacy, omemo2 (default both)")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    TIMEOUT = args.timeout
    try:
        args.versions = parse_versions(args.versions)
    except ValueError as e:
        emit({"event": "error", "cmd": None, "detail": f"start: {e}", "fatal": True})
        return 1

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.debug else logging.INFO,
        format=f"%(asctime)s {JID(args.jid).user} %(levelname)s %(name)s: %(message)s",
    )
    if not args.debug:
        for noisy in ("omemo", "slixmpp", "xmlschema"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    if not os.path.isfile(args.ca):
        emit({"event": "error", "cmd": None, "detail": f"start: no CA file {args.ca}", "fatal": True})
        return 1
    peer = Peer(args)
    try:
        await asyncio.wait_for(peer.start(), 6 * TIMEOUT)
    except Exception as e:
        log.exception("start failed")
        emit({"event": "error", "cmd": None, "detail": f"start: {describe(e)}", "fatal": True})
        peer.quitting = True
        return 1

    await read_commands(peer)
    peer.quitting = True
    try:
        await asyncio.wait_for(peer.disconnect(), 5)
    except Exception:
        pass
    emit({"event": "bye"})
    return 0


if __name__ == "__main__":
    code = asyncio.run(main())
    sys.stdout.flush()
    os._exit(code)
