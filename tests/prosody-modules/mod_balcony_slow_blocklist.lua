-- Test aid: holds the answer to a blocklist request (XEP-0191) for the
-- users listed in `balcony_slow_blocklist`, for
-- `balcony_slow_blocklist_delay` seconds, then lets mod_blocklist answer.
-- A client's login steps wait on that answer, so whatever the client does
-- meanwhile happens while its login steps still run.
local users = module:get_option_set("balcony_slow_blocklist", {});
local delay = module:get_option_number("balcony_slow_blocklist_delay", 2);
local released = setmetatable({}, { __mode = "k" });

local function hold(event)
	local origin, stanza = event.origin, event.stanza;
	if released[stanza] or not users:contains(origin.username) then
		return;
	end
	released[stanza] = true;
	module:log("info", "balcony-audit: blocklist held user=%s", origin.username);
	module:add_timer(delay, function()
		module:fire_event("iq-get/self/urn:xmpp:blocking:blocklist", event);
	end);
	return true;
end

module:hook("iq-get/self/urn:xmpp:blocking:blocklist", hold, 100);
