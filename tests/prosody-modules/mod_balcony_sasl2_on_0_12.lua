-- Debian 12's mod_sasl2 and mod_sasl2_fast (prosody-modules hg
-- 2023-02-23) were written for Prosody 0.13 and crash on Debian 12's
-- Prosody 0.12 while building the stream features:
--   * mod_sasl2 calls conn:ssl_info(), which 0.12's connections lack
--     ("attempt to call a nil value (method 'ssl_info')");
--   * mod_sasl2_fast reads event.stream.from, the stream header's 'from',
--     which 0.12 neither keeps nor passes ("attempt to index a nil value
--     (field 'stream')");
--   * mod_sasl2_fast stamps a token's expiry with a fractional time, which
--     0.12's util.datetime refuses ("number has no integer
--     representation"), and the stream dies after the success;
--   * mod_sasl2_fast calls stanza:get_child_attr(), which 0.12's
--     util.stanza lacks, when a client authenticates with a token.
-- This shim gives each connection the method (LuaSec's own info()), the
-- features event the header's 'from', before those modules run,
-- util.datetime whole seconds, and stanzas get_child_attr().
-- Without a tls-exporter method on 0.12's connections, mod_sasl2 then
-- offers no channel binding: SCRAM without -PLUS, FAST's HT-SHA-256-NONE.
module:hook("stream-features", function(event)
	local session = event.origin;
	local conn = session.conn;
	if conn and conn.ssl_info == nil then
		conn.ssl_info = function(self)
			local sock = self:socket();
			if sock and sock.info then
				return sock:info();
			end
		end
	end
	-- Headers after this one (after STARTTLS) are remembered.
	if not session.balcony_stream_attrs then
		local previous = session.stream_attrs;
		session.balcony_stream_attrs = true;
		session.stream_attrs = function(s, from, to, attr)
			s.balcony_stream_from = to;
			if previous then return previous(s, from, to, attr); end
		end
	end
	event.stream = event.stream or { from = session.balcony_stream_from };
end, 100);

local datetime = require "util.datetime";
local whole_seconds = datetime.datetime;
datetime.datetime = function(t)
	return whole_seconds(t and math.floor(t));
end

local stanza_mt = require "util.stanza".stanza_mt;
if stanza_mt.get_child_attr == nil then
	function stanza_mt:get_child_attr(name, xmlns, attr)
		local child = self:get_child(name, xmlns);
		return child and child.attr[attr];
	end
end
