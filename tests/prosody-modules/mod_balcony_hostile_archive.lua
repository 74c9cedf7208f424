-- An archive that never ends, for the bounded catch-up tests: MAM queries
-- to one's own archive are answered with made-up messages from romeo and
-- a <fin/> that never says complete.
--   balcony_hostile_archive = "endless"  -- every page new: paging never
--                                         -- reaches what is stored
--   balcony_hostile_archive = "stuck"    -- `before` is ignored: every
--                                         -- older page is the same one
local st = require "util.stanza";
local datetime = require "util.datetime";

local mode = module:get_option_string("balcony_hostile_archive", "endless");
local xmlns_mam, xmlns_rsm = "urn:xmpp:mam:2", "http://jabber.org/protocol/rsm";
local PER_PAGE = 5;
local served = 0;

local function page(prefix)
	local ids = {};
	for i = 1, PER_PAGE do ids[i] = prefix .. "-" .. i; end
	return ids;
end

module:hook("iq-set/self/" .. xmlns_mam .. ":query", function(event)
	local origin, stanza = event.origin, event.stanza;
	local query = stanza.tags[1];
	local set = query:get_child("set", xmlns_rsm);
	local before = set and set:get_child_text("before") or "";
	served = served + 1;
	local ids;
	if mode == "stuck" and before ~= "" then
		ids = page("stuck");
	else
		ids = page("page" .. served);
	end
	local now = os.time();
	for i, id in ipairs(ids) do
		local fwd = st.message({ to = origin.full_jid, from = origin.username .. "@" .. origin.host })
			:tag("result", { xmlns = xmlns_mam, queryid = query.attr.queryid, id = id })
			:tag("forwarded", { xmlns = "urn:xmpp:forward:0" })
			:tag("delay", { xmlns = "urn:xmpp:delay", stamp = datetime.datetime(now - 3600 + served * 10 + i) }):up()
			:tag("message", { xmlns = "jabber:client", type = "chat",
				from = "romeo@" .. origin.host .. "/orchard", to = origin.username .. "@" .. origin.host })
				:text_tag("body", "archived " .. id);
		origin.send(fwd);
	end
	module:log("info", "balcony-audit: hostile-archive page=%d before=%s", served, before);
	origin.send(st.reply(stanza)
		:tag("fin", { xmlns = xmlns_mam })
			:tag("set", { xmlns = xmlns_rsm })
				:text_tag("first", ids[1])
				:text_tag("last", ids[#ids]));
	return true;
end, 10);
