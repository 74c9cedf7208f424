-- Logs which SASL mechanism each client authenticated with, so that tests
-- can check what the server observed (not only what the client claims).
module:hook("authentication-success", function(event)
	local session = event.session;
	local mech = session.sasl_handler and session.sasl_handler.selected;
	module:log("info", "balcony-audit: auth-success user=%s mechanism=%s secure=%s",
		tostring(session.username), tostring(mech), tostring(session.secure));
end);

module:hook("authentication-failure", function(event)
	local session = event.session;
	local mech = session.sasl_handler and session.sasl_handler.selected;
	module:log("info", "balcony-audit: auth-failure mechanism=%s condition=%s",
		tostring(mech), tostring(event.condition));
end);

-- Every <auth/> the client sends, before Prosody handles it: a test can
-- check that no credentials were sent at all.
module:hook("stanza/urn:ietf:params:xml:ns:xmpp-sasl:auth", function(event)
	module:log("info", "balcony-audit: auth-attempt mechanism=%s",
		tostring(event.stanza.attr.mechanism));
end, 1000);

-- SASL2 (XEP-0388, mod_sasl2 from prosody-modules): which mechanism a
-- login used, FAST tokens (XEP-0484) included, and refusals.
module:hook("sasl2/c2s/success", function(event)
	local session = event.session;
	local mech = session.sasl_handler and session.sasl_handler.selected;
	module:log("info", "balcony-audit: sasl2-success user=%s mechanism=%s",
		tostring(session.sasl_handler and session.sasl_handler.username), tostring(mech));
end, 2000);

module:hook("sasl2/c2s/failure", function(event)
	local session = event.session;
	local mech = session.sasl_handler and session.sasl_handler.selected;
	module:log("info", "balcony-audit: sasl2-failure mechanism=%s condition=%s",
		tostring(mech), tostring(event.message));
end, 2000);

-- Resource binding: a Bind2 request inside <authenticate/> (XEP-0386) and
-- every RFC 6120 bind request, so that a test can tell which one bound.
module:hook_tag("urn:xmpp:sasl:2", "authenticate", function(session, auth)
	if auth:get_child("bind", "urn:xmpp:bind:0") then
		module:log("info", "balcony-audit: bind2-request tag=%s",
			tostring(auth:get_child("bind", "urn:xmpp:bind:0"):get_child_text("tag")));
	end
end, 1000);

module:hook("stanza/iq/urn:ietf:params:xml:ns:xmpp-bind:bind", function()
	module:log("info", "balcony-audit: bind-iq");
end, 1000);

module:hook("iq-set/bare/urn:ietf:params:xml:ns:xmpp-bind:bind", function()
	module:log("info", "balcony-audit: bind-iq");
end, 1000);

module:hook("iq-set/host/urn:ietf:params:xml:ns:xmpp-bind:bind", function()
	module:log("info", "balcony-audit: bind-iq");
end, 1000);

module:hook("resource-bind", function(event)
	module:log("info", "balcony-audit: bound jid=%s", tostring(event.session.full_jid));
end);
