-- Test aid: reproduces a Prosody 0.12 miscount. When the server stops, it
-- remembers each resumable session's count of handled stanzas (XEP-0198
-- h) and tells it to a client that tries to resume after the restart, in
-- <failed h='…'/>. Prosody can count a stanza there that it then drops
-- unhandled. For users listed in `balcony_overcount_on_stop`, this module
-- raises the remembered count by one, so that the client takes its last
-- unacked stanza for handled.
local users = module:get_option_set("balcony_overcount_on_stop", {});

module:hook_global("server-stopping", function()
	for _, host in pairs(prosody.hosts) do
		for username, user in pairs(host.sessions or {}) do
			for _, session in pairs(user.sessions or {}) do
				if users:contains(username) and session.handled_stanza_count then
					session.handled_stanza_count = session.handled_stanza_count + 1;
					module:log("info", "balcony-audit: overcount user=%s h=%d", username,
						session.handled_stanza_count);
				end
			end
		end
	end
end, 100); -- before mod_smacks remembers the count
