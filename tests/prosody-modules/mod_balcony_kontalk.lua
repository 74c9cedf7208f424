-- Kontalk's server side, as its extensions page describes it, for tests:
-- upload discovery (the disco#info feature, disco#items on its node, and
-- the <upload node=…/> IQ that names a service URI), a small upload box at
-- that URI (POST a file, get its address back as text; GET serves it), and
-- the push capability with one provider listed.

local st = require "util.stanza";
local uuid = require "util.uuid";
local http = require "util.http";

module:depends("http");
module:depends("disco");

local UPLOAD = "http://kontalk.org/extensions/message#upload";
local PUSH = "http://kontalk.org/extensions/presence#push";
local ITEMS = "http://jabber.org/protocol/disco#items";

module:add_feature(UPLOAD);
module:add_feature(PUSH);

module:hook("iq-get/host/" .. ITEMS .. ":query", function(event)
	local origin, stanza = event.origin, event.stanza;
	local node = stanza.tags[1].attr.node;
	local reply = st.reply(stanza):tag("query", { xmlns = ITEMS, node = node });
	if node == UPLOAD then
		reply:tag("item", { node = "kontalkbox", jid = module.host, name = "Kontalk dropbox service" }):up();
	elseif node == PUSH then
		reply:tag("item", { node = "SENDER-ID", jid = "gcm.push.kontalk.net",
			name = "Google Cloud Messaging push notifications" }):up();
	else
		return; -- mod_disco answers the rest
	end
	origin.send(reply);
	return true;
end, 10);

module:hook("iq-get/host/" .. UPLOAD .. ":upload", function(event)
	local origin, stanza = event.origin, event.stanza;
	local node = stanza.tags[1].attr.node;
	if node ~= "kontalkbox" then
		origin.send(st.error_reply(stanza, "cancel", "item-not-found"));
		return true;
	end
	origin.send(st.reply(stanza):tag("upload", { xmlns = UPLOAD, node = node })
		:tag("uri"):text(module:http_url("kontalk_box", "/kontalk_box") .. "/upload"));
	return true;
end);

local files = {};

module:provides("http", {
	name = "kontalk_box";
	route = {
		["POST /upload"] = function(event)
			local request, response = event.request, event.response;
			local disposition = request.headers.content_disposition or "";
			local name = disposition:match('filename="([^"]*)"') or "file";
			local id = uuid.generate();
			files[id] = { body = request.body or "", type = request.headers.content_type or "application/octet-stream" };
			module:log("info", "balcony-kontalk: stored %d bytes as %s", #files[id].body, name);
			response.status_code = 201;
			response.headers.content_type = "text/plain";
			return module:http_url("kontalk_box", "/kontalk_box") .. "/f/" .. id .. "/" .. http.urlencode(name);
		end;
		["GET /f/*"] = function(event, path)
			local id = path:match("^([^/]+)/");
			local file = id and files[id];
			if not file then
				return 404;
			end
			event.response.headers.content_type = file.type;
			return file.body;
		end;
	};
});
