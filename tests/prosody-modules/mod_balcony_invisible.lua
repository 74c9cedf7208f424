-- Test aid: XEP-0186 (Invisible Command) on the server, for Balcony's tests.
--
-- Accepts <invisible/> and <visible/> IQ-sets without a 'to' in the
-- namespaces listed in `balcony_invisible_namespaces` (default: all three
-- below) and announces exactly those as disco#info features of the host.
--
-- Invisibility belongs to one session (a field on the session table), so it
-- is forgotten when the session ends. While a session is invisible:
--  * its undirected presence is reflected to itself and shown to the user's
--    own other resources, but broadcast to no one else; it still makes the
--    session available for routing (bare-JID messages, inbound presence);
--  * its directed presence goes out as usual and the target is remembered
--    in `visible_to`; an undirected unavailable (or the session ending) goes
--    only to those targets;
--  * presence probes from contacts are answered as if the resource were
--    offline, unless the prober is in `visible_to`.
-- The user's own other resources are not "others": they keep seeing it.
-- Hooks run at priority 10: before mod_presence (0), after mod_blocklist
-- (100) and mod_privacy_lists (500), so a blocked stanza stays blocked.

if module:get_host_type() ~= "local" then return; end -- users only live on VirtualHosts

local st = require "util.stanza";
local jid_bare = require "util.jid".bare;
local jid_split = require "util.jid".split;
local datetime = require "util.datetime";
local rostermanager = require "core.rostermanager";
local recalc_resource_map = require "util.presence".recalc_resource_map;

local core_post_stanza = prosody.core_post_stanza;
local bare_sessions, full_sessions, hosts = prosody.bare_sessions, prosody.full_sessions, prosody.hosts;

local PRIORITY = 10;
local SEED, V0, V1 = "http://jabber.org/protocol/invisibility", "urn:xmpp:invisible:0", "urn:xmpp:invisible:1";
local KNOWN = { [SEED] = true, [V0] = true, [V1] = true };

local function bare_of(session) return session.username.."@"..session.host; end

-- Roster JIDs of `session` whose subscription is in `subs`, as a set.
local FROM, TO = { from = true, both = true }, { to = true, both = true };
local function contacts(session, subs)
	local set = {};
	for jid, item in pairs(session.roster or {}) do
		if jid and subs[item.subscription] then set[jid] = true; end
	end
	return set;
end

-- Sends `stanza` from `session` to each JID of the set `targets`, through the
-- normal outbound path (privacy/blocking checks and directed tracking apply).
local function send_to_all(session, stanza, targets)
	for jid in pairs(targets) do
		local copy = st.clone(stanza);
		copy.attr.from, copy.attr.to = session.full_jid, jid;
		core_post_stanza(session, copy, true);
	end
end

-- Shows `stanza` to the user's own other available resources.
local function send_to_own_resources(session, stanza)
	local user = bare_sessions[bare_of(session)];
	for _, res in pairs(user and user.sessions or {}) do
		if res ~= session and res.presence then
			local copy = st.clone(stanza);
			copy.attr.from, copy.attr.to = session.full_jid, res.full_jid;
			core_post_stanza(session, copy);
		end
	end
end

-- Rule 1: go invisible. If the session was available, everyone who would
-- get its unavailable broadcast (contacts with from/both, directed-presence
-- targets) gets unavailable now; the session itself stays available.
local function go_invisible(session, probe)
	local state = session.balcony_invisible;
	if state then state.probe = probe; return; end -- already invisible
	session.balcony_invisible = { probe = probe, visible_to = {} };
	if not session.presence then return; end
	local own, targets = bare_of(session), contacts(session, FROM);
	for jid in pairs(session.directed or {}) do
		if jid_bare(jid) ~= own then targets[jid] = true; end
	end
	session.directed = nil;
	send_to_all(session, st.presence({ type = "unavailable" }), targets);
end

-- Rule 7: go visible, i.e. back to "before initial presence". Entities that
-- got directed presence while invisible and are not roster-broadcast
-- targets get the next undirected presence and a final unavailable.
local function go_visible(session)
	local state = session.balcony_invisible;
	if not state then return; end
	session.balcony_invisible = nil;
	local reveal, broadcast_to = {}, contacts(session, FROM);
	for jid in pairs(state.visible_to) do
		if not broadcast_to[jid_bare(jid)] then
			reveal[jid] = true;
			session.directed = session.directed or {};
			session.directed[jid] = true;
		end
	end
	session.balcony_reveal = next(reveal) and reveal or nil;
	if session.presence then -- own resources saw it; they see it leave
		send_to_own_resources(session, st.presence({ type = "unavailable" }));
		session.presence, session.priority = nil, nil;
		recalc_resource_map(bare_sessions[bare_of(session)]);
	end
end

-- The 'probe' wish: always for the older namespaces, per attribute for :1.
-- Returns nil if the attribute is not an XML Schema boolean.
local function probe_wish(ns, el)
	if ns ~= V1 then return true; end
	local v = el.attr.probe;
	if v == nil or v == "false" or v == "0" then return false; end
	if v == "true" or v == "1" then return true; end
	return nil;
end

local function bad_get(event)
	event.origin.send(st.error_reply(event.stanza, "modify", "bad-request", "Use an IQ of type 'set'"));
	return true;
end

local namespaces = module:get_option_array("balcony_invisible_namespaces", { SEED, V0, V1 });
for _, ns in ipairs(namespaces) do
	if not KNOWN[ns] then
		module:log("warn", "Ignoring unknown namespace in balcony_invisible_namespaces: %s", ns);
	else
		module:add_feature(ns);
		module:hook("iq-set/self/"..ns..":invisible", function(event)
			local origin, stanza = event.origin, event.stanza;
			local probe = probe_wish(ns, stanza.tags[1]);
			if probe == nil then
				origin.send(st.error_reply(stanza, "modify", "bad-request", "'probe' must be a boolean"));
			else
				go_invisible(origin, probe);
				origin.send(st.reply(stanza));
			end
			return true;
		end);
		module:hook("iq-set/self/"..ns..":visible", function(event)
			go_visible(event.origin);
			event.origin.send(st.reply(event.stanza));
			return true;
		end);
		module:hook("iq-get/self/"..ns..":invisible", bad_get);
		module:hook("iq-get/self/"..ns..":visible", bad_get);
	end
end

-- Rules 2 and 4: undirected presence of an invisible session. Mirrors
-- mod_presence's handle_normal_presence, minus the broadcast to contacts.
local function invisible_presence(origin, stanza, state)
	if full_sessions[origin.full_jid] then origin.send(stanza); end -- reflect
	send_to_own_resources(origin, stanza);
	local user = bare_sessions[bare_of(origin)];
	if stanza.attr.type == "unavailable" then
		local targets = state.visible_to;
		for jid in pairs(origin.directed or {}) do targets[jid] = true; end
		state.visible_to, origin.directed = {}, nil;
		send_to_all(origin, stanza, targets);
		origin.presence, origin.priority = nil, nil;
		recalc_resource_map(user);
		return;
	end
	local initial = not origin.presence;
	local priority = stanza:get_child_text("priority"); -- parsed as mod_presence does
	priority = priority and priority:find("^[+-]?[0-9]+$") and tonumber(priority) or 0;
	origin.presence, origin.priority = stanza, math.max(-128, math.min(127, priority));
	recalc_resource_map(user);
	if initial then
		module:fire_event("presence/initial", { origin = origin, stanza = stanza });
		if state.probe then -- so the user still sees their contacts
			send_to_all(origin, st.presence({ type = "probe" }), contacts(origin, TO));
		end
		for _, res in pairs(user and user.sessions or {}) do -- own resources' presence
			if res ~= origin and res.presence then
				local copy = st.clone(res.presence);
				copy.attr.from, copy.attr.to = res.full_jid, origin.full_jid;
				origin.send(copy);
			end
		end
		local meta = origin.roster and origin.roster[false];
		for jid in pairs(meta and meta.pending or {}) do
			origin.send(st.presence({ type = "subscribe", from = jid })); -- pending requests
		end
		if origin.priority >= 0 then module:fire_event("message/offline/broadcast", { origin = origin }); end
	end
	stanza:tag("delay", { xmlns = "urn:xmpp:delay", from = origin.host, stamp = datetime.datetime() }):up();
end

module:hook("presence/bare", function(event)
	local origin, stanza = event.origin, event.stanza;
	local t = stanza.attr.type;
	if stanza.attr.to or not origin.full_jid or (t and t ~= "unavailable") then return; end
	local state = origin.balcony_invisible;
	if state then invisible_presence(origin, stanza, state); return true; end
	local reveal = origin.balcony_reveal; -- first undirected presence after <visible/>
	if reveal then
		origin.balcony_reveal = nil;
		if not t then send_to_all(origin, stanza, reveal); end
	end
	-- mod_presence does the normal broadcast
end, PRIORITY);

-- Rule 3: remember who received directed presence while invisible.
local function track_directed(event)
	local origin, stanza = event.origin, event.stanza;
	local state, to, t = origin.balcony_invisible, stanza.attr.to, stanza.attr.type;
	if not state or not to or jid_bare(to) == bare_of(origin) then return; end
	if t == nil then
		state.visible_to[to] = st.clone(stanza);
	elseif t == "unavailable" or t == "error" then
		state.visible_to[to] = nil;
	end
end
module:hook("pre-presence/full", track_directed, PRIORITY);
module:hook("pre-presence/bare", track_directed, PRIORITY);
module:hook("pre-presence/host", track_directed, PRIORITY);

-- Rule 6: answer probes to a user with invisible sessions ourselves, as
-- mod_presence would but hiding each invisible resource from probers it
-- has not sent directed presence to.
local function answer_probe(event)
	local stanza = event.stanza;
	if stanza.attr.type ~= "probe" then return; end
	local to_bare, from = jid_bare(stanza.attr.to), stanza.attr.from;
	local user, from_bare = bare_sessions[to_bare], jid_bare(from);
	local any_invisible = false;
	for _, s in pairs(user and user.sessions or {}) do
		any_invisible = any_invisible or s.balcony_invisible ~= nil;
	end
	local node, host = jid_split(to_bare);
	if not any_invisible or not rostermanager.is_contact_subscribed(node, host, from_bare) then
		return; -- mod_presence answers (or refuses) as usual
	end
	local count = 0;
	for _, s in pairs(user.sessions) do
		local pres, state = s.presence, s.balcony_invisible;
		if state then pres = state.visible_to[from] or state.visible_to[from_bare]; end
		if pres then
			pres = st.clone(pres);
			pres.attr.from, pres.attr.to = s.full_jid, from;
			core_post_stanza(s, pres, true);
			count = count + 1;
		end
	end
	if count == 0 then
		core_post_stanza(hosts[host], st.presence({ from = to_bare, to = from, type = "unavailable" }), true);
	end
	return true;
end
module:hook("presence/bare", answer_probe, PRIORITY);
module:hook("presence/full", answer_probe, PRIORITY);

-- Rule 8: an invisible session that ends without ever having been available
-- still owes unavailable to the entities it was visible to. mod_presence
-- sends unavailable to `session.directed` in that case; when the session
-- was available, mod_presence routes an unavailable through our handler.
module:hook("resource-unbind", function(event)
	local session = event.session;
	local state = session.balcony_invisible;
	if state and not session.presence and next(state.visible_to) then
		session.directed = session.directed or {};
		for jid in pairs(state.visible_to) do session.directed[jid] = true; end
	end
end, PRIORITY);
