-- Fills a user's own archive with chat messages spread over time, for the
-- history download tests and the first_sync bench (Prosody stamps what it
-- archives with the time it arrives, so old history cannot be sent):
--   balcony_archive_fill = {
--     user = "juliet", with = "romeo@balcony.test",
--     count = 1600,  -- messages
--     step = 21600,  -- seconds between two of them
--     newest = 60,   -- age of the newest one, in seconds
--   }
-- Message i (1 = oldest) says "archived i" and is stamped
-- now - newest - (count - i) * step.
local st = require "util.stanza";

local function fill_archive(fill)
	local archive = module:open_store("archive", "archive");
	local now = os.time();
	local count, step, newest = fill.count or 0, fill.step or 60, fill.newest or 60;
	for i = 1, count do
		local when = now - newest - (count - i) * step;
		local message = st.message({ type = "chat", id = "fill-" .. i,
			from = fill.with .. "/orchard", to = fill.user .. "@" .. module.host })
			:text_tag("body", "archived " .. i);
		local ok, err = archive:append(fill.user, nil, message, when, fill.with);
		if not ok then
			module:log("error", "balcony-archive-fill: message %d not archived: %s", i, tostring(err));
			return;
		end
	end
	module:log("info", "balcony-archive-fill: %d messages for %s", count, fill.user);
end

local fill = module:get_option("balcony_archive_fill");
if type(fill) == "table" then fill_archive(fill); end

-- balcony_archive_delay = 0.3 holds every MAM query that long before the
-- archive answers it (a slow server, so that a download's progress can be
-- watched).
local delay = module:get_option_number("balcony_archive_delay", 0);
if delay > 0 then
	module:hook("iq-set/self/urn:xmpp:mam:2:query", function(event)
		if event.balcony_held then return; end
		event.balcony_held = true;
		module:add_timer(delay, function()
			module:fire_event("iq-set/self/urn:xmpp:mam:2:query", event);
		end);
		return true;
	end, 100);
end
