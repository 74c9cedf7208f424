-- Logs each client state indication (XEP-0352) the server receives, so
-- that tests can check what the server observed.
local function audit(state)
	return function(event)
		module:log("info", "balcony-audit: csi %s user=%s", state, tostring(event.origin.username));
	end
end

module:hook("csi-client-active", audit("active"));
module:hook("csi-client-inactive", audit("inactive"));
