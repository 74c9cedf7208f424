-- A two-stage ad-hoc command (XEP-0050) for Balcony's tests: Prosody's own
-- commands are single-stage, so this one exercises Next, Previous (with the
-- values remembered), Complete, and a refused step (bad-action).

module:depends("adhoc");
local adhoc_new = module:require "adhoc".new;
local dataforms_new = require "util.dataforms".new;

local xmlns_cmd = "http://jabber.org/protocol/commands";

local who = dataforms_new {
	title = "Plan a visit";
	instructions = "Who is coming?";
	{ name = "FORM_TYPE", type = "hidden", value = "urn:balcony:test:visit" };
	{ name = "guest", type = "jid-single", label = "Guest", required = true };
};

local when = dataforms_new {
	title = "Plan a visit";
	instructions = "When?";
	{ name = "FORM_TYPE", type = "hidden", value = "urn:balcony:test:visit" };
	{ name = "hour", type = "list-single", label = "Hour", required = true,
		options = { { label = "Eight", value = "20" }, { label = "Nine", value = "21" }, { label = "Ten", value = "22" } } };
};

local function first(values)
	return { status = "executing", actions = { "next", default = "next" },
		form = { layout = who, values = values or {} } }, { stage = 1, guest = values and values.guest };
end

local function handler(_, data, state)
	if data.action == "cancel" then
		return { status = "canceled" };
	end
	if not state then
		return first();
	end
	if state.stage == 1 then
		if data.action ~= "next" and data.action ~= "execute" then
			return { status = "error", error = { type = "modify", condition = "bad-request",
				extra = { namespace = xmlns_cmd, condition = "bad-action" } } };
		end
		local fields = who:data(data.form);
		return { status = "executing", actions = { "prev", "complete", default = "complete" },
			form = when }, { stage = 2, guest = fields.guest };
	end
	if data.action == "prev" then
		return first({ guest = state.guest });
	end
	local fields = when:data(data.form);
	return { status = "completed", info = "Visit planned: " .. tostring(state.guest) .. " at " .. tostring(fields.hour) };
end

module:provides("adhoc", adhoc_new("Plan a Visit", "urn:balcony:test:visit", handler, "any"));

-- Completes at once with nothing to show: no form, no note.
module:provides("adhoc", adhoc_new("Ring the Bell", "urn:balcony:test:bell", function()
	return { status = "completed" };
end, "any"));
