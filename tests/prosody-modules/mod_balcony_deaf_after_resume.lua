-- Test aid: once a user listed in `balcony_deaf_after_resume` resumes a
-- stream (XEP-0198), the server drops everything that client sends on the
-- resumed stream, acks and pings included, while it still sends to it.
-- To the client the resumed stream looks up but never carries its data.
-- Fresh streams (<enable/>) are served as usual.
local add_filter = require "util.filters".add_filter;
local deaf_users = module:get_option_set("balcony_deaf_after_resume", {});

local function drop_everything()
	return nil;
end

module:hook("smacks-hibernation-end", function(event)
	local session = event.resumed;
	if not deaf_users:contains(session.username) then
		return;
	end
	module:log("info", "balcony-audit: deaf after resume user=%s", session.username);
	-- Above mod_smacks' counter (999), so not even the count moves.
	add_filter(session, "stanzas/in", drop_everything, 1000);
end);
