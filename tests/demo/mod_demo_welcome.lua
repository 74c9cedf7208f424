-- `make demo` only: when juliet or romeo comes online for the first time
-- in this run, the other one "says" hello, so that each window opens with
-- a conversation with someone whose presence it sees.
local st = require "util.stanza";
local jid_bare = require "util.jid".bare;

local greeted = {};
local other = { juliet = "romeo", romeo = "juliet" };
local hello = {
	juliet = "Hello Juliet! This is Romeo, in the other window. Write back here.";
	romeo = "Hello Romeo! This is Juliet, in the other window. Write back here.";
};

module:hook("presence/initial", function(event)
	local session = event.origin;
	local user = session.username;
	if not other[user] or greeted[user] then return; end
	greeted[user] = true;
	module:send(st.message({
		from = other[user] .. "@" .. module.host;
		to = jid_bare(session.full_jid);
		type = "chat";
		id = "demo-welcome-" .. user;
	}):tag("body"):text(hello[user]):up());
end);
