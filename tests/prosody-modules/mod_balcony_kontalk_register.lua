-- Kontalk's in-band registration (XEP-0077 with data forms), for tests.
-- Stage 1: a form with the username and password of the new account, a
-- phone number and `force` (register again a number already registered).
-- The server "sends" a verification code (here: writes it to the log) and
-- answers with a second form of type http://kontalk.org/protocol/register#code.
-- Stage 2: the right code creates the account; a wrong one is refused, and
-- after three wrong ones the registration must start again.

local st = require "util.stanza";
local dataforms = require "util.dataforms";
local usermanager = require "core.usermanager";
local random = require "util.random";

local REGISTER = "jabber:iq:register";
local CODE = "http://kontalk.org/protocol/register#code";

module:hook("stream-features", function(event)
	if not event.origin.username then
		event.features:tag("register", { xmlns = "http://jabber.org/features/iq-register" }):up();
	end
end);

local first_form = dataforms.new {
	title = "Kontalk registration";
	instructions = "Enter your phone number; a verification code will be sent to it.";
	{ name = "FORM_TYPE", type = "hidden", value = REGISTER };
	{ name = "username", type = "text-single", label = "Username", required = true };
	{ name = "password", type = "text-private", label = "Password", required = true };
	{ name = "phone", type = "text-single", label = "Phone number", required = true };
	{ name = "force", type = "boolean", label = "Register again if this number is already registered" };
};

local code_form = dataforms.new {
	title = "Verification";
	instructions = "Enter the code that was sent to your phone.";
	{ name = "FORM_TYPE", type = "hidden", value = CODE };
	{ name = "code", type = "text-single", label = "Verification code", required = true };
};

local phones = {}; -- phone number -> username, registered here

module:hook("stanza/iq/" .. REGISTER .. ":query", function(event)
	local session, stanza = event.origin, event.stanza;
	if session.type ~= "c2s_unauthed" then
		return;
	end
	local query = stanza.tags[1];
	if stanza.attr.type == "get" then
		session.send(st.reply(stanza):query(REGISTER):add_child(first_form:form()));
		return true;
	end
	if stanza.attr.type ~= "set" then
		return;
	end
	local x = query:get_child("x", "jabber:x:data");
	if not x then
		session.send(st.error_reply(stanza, "modify", "bad-request", "Kontalk registration needs its form"));
		return true;
	end
	local form_type = dataforms.get_type(x);
	if form_type == REGISTER then
		local data = first_form:data(x);
		local phone = data.phone or "";
		if not phone:match("^%+%d%d%d%d%d%d+$") or #phone > 16 then
			session.send(st.error_reply(stanza, "modify", "not-acceptable", "Not a valid phone number"));
			return true;
		end
		if (phones[phone] or usermanager.user_exists(data.username or "", module.host)) and not data.force then
			session.send(st.error_reply(stanza, "cancel", "conflict", "This number is already registered"));
			return true;
		end
		local code = string.format("%06d", (random.bytes(3):byte(1) * 65536 + random.bytes(1):byte(1) * 256 + random.bytes(1):byte(1)) % 1000000);
		session.kontalk_registration = { username = data.username, password = data.password, phone = phone, code = code, tries = 0 };
		module:log("info", "balcony-kontalk-register: code for %s is %s", phone, code);
		session.send(st.reply(stanza):query(REGISTER):add_child(code_form:form()));
		return true;
	elseif form_type == CODE then
		local pending = session.kontalk_registration;
		if not pending then
			session.send(st.error_reply(stanza, "cancel", "unexpected-request", "Start the registration first"));
			return true;
		end
		local data = code_form:data(x);
		if data.code ~= pending.code then
			pending.tries = pending.tries + 1;
			if pending.tries >= 3 then
				session.kontalk_registration = nil;
				session.send(st.error_reply(stanza, "cancel", "not-allowed", "Too many wrong codes; start again"));
			else
				session.send(st.error_reply(stanza, "modify", "not-authorized", "The verification code is wrong"));
			end
			return true;
		end
		local ok, err = usermanager.create_user(pending.username, pending.password, module.host);
		if not ok then
			session.send(st.error_reply(stanza, "wait", "internal-server-error", err));
			return true;
		end
		phones[pending.phone] = pending.username;
		session.kontalk_registration = nil;
		module:log("info", "balcony-kontalk-register: registered %s", pending.username);
		session.send(st.reply(stanza));
		return true;
	end
	session.send(st.error_reply(stanza, "modify", "bad-request", "Unknown form"));
	return true;
end, 10);
