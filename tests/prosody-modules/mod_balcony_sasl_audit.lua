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
