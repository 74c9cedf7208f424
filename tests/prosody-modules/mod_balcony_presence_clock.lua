-- When each session's initial presence reached the server, on the
-- server's clock (seconds since the epoch), for the login benchmark.
local now = require "util.time".now;

module:hook("presence/initial", function(event)
	module:log("info", "balcony-audit: initial-presence user=%s at=%.4f",
		tostring(event.origin.username), now());
end);
