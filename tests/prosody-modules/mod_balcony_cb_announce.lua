-- Makes the server announce XEP-0440 channel-binding types, and when asked
-- a SCRAM-SHA-1-PLUS mechanism, that Prosody 0.12 does not really support
-- over TLS 1.3: a broken or tampered-with server, so that tests can see
-- what the client does with such an announcement.
--   balcony_cb_types = { "tls-exporter" }   -- the announced types
--   balcony_cb_offer_plus = true            -- also offer SCRAM-SHA-1-PLUS
local st = require "util.stanza";

local types = module:get_option_array("balcony_cb_types", {});
local offer_plus = module:get_option_boolean("balcony_cb_offer_plus", false);

module:hook("stream-features", function(event)
	local origin, features = event.origin, event.features;
	if origin.username or not origin.secure then return; end
	local mechanisms = features:get_child("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl");
	if not mechanisms then return; end
	if offer_plus then
		mechanisms:text_tag("mechanism", "SCRAM-SHA-1-PLUS");
	end
	if #types > 0 then
		local cb = st.stanza("sasl-channel-binding", { xmlns = "urn:xmpp:sasl-cb:0" });
		for _, t in ipairs(types) do
			cb:tag("channel-binding", { type = t }):up();
		end
		features:add_direct_child(cb);
	end
end, -10);
