//! Running other entities' ad-hoc commands (XEP-0050 §3): listing them
//! with disco#items on the commands node, and executing them stage by
//! stage. The UI drives the stages; each call here is one IQ.

use xmpp_parsers::{
    disco::{DiscoItemsQuery, DiscoItemsResult},
    jid::Jid,
    minidom::Element,
};

use crate::core::xmpp::{
    modules::x0050_commands::{Action, CommandError, CommandPayload, NS},
    session::context::SessionContext,
};

/// A command another entity offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandItem {
    /// Where to run it.
    pub jid: Jid,
    /// Its node.
    pub node: String,
    /// Its name for people (the node when the entity gave none).
    pub name: String,
}

/// One step of a command: the node, the session (none to start), the
/// action, and the filled-in form, if any. `Debug` leaves the form's
/// values out.
#[derive(Clone)]
pub struct CommandStep {
    /// The command's node.
    pub node: String,
    /// The session; `None` to start one.
    pub sessionid: Option<String>,
    /// What to do.
    pub action: Action,
    /// The submission (`<x type='submit'/>`), if any.
    pub form: Option<Element>,
}

impl std::fmt::Debug for CommandStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandStep")
            .field("node", &self.node)
            .field("sessionid", &self.sessionid)
            .field("action", &self.action)
            .field("form", &crate::core::redact::outline(&self.form))
            .finish()
    }
}

/// Reads a disco#items answer on the commands node.
pub fn parse_items(answer: Option<Element>) -> Result<Vec<CommandItem>, CommandError> {
    let Some(answer) = answer else {
        return Ok(Vec::new());
    };
    let result = DiscoItemsResult::try_from(answer).map_err(|e| CommandError::Malformed(e.to_string()))?;
    Ok(result
        .items
        .into_iter()
        .filter_map(|item| {
            let node = item.node?;
            Some(CommandItem {
                name: item
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| node.clone()),
                jid: item.jid,
                node,
            })
        })
        .collect())
}

/// The commands `entity` offers us.
pub async fn list(ctx: &SessionContext, entity: Jid) -> Result<Vec<CommandItem>, CommandError> {
    let query = DiscoItemsQuery {
        node: Some(NS.to_owned()),
        rsm: None,
    };
    let answer = ctx.out.get(Some(entity), query).await?;
    parse_items(answer)
}

/// Sends one step of a command to `entity` and reads the answer.
pub async fn execute(
    ctx: &SessionContext,
    entity: Jid,
    step: CommandStep,
) -> Result<CommandPayload, CommandError> {
    let request = CommandPayload::request(&step.node, step.sessionid, step.action, step.form);
    let answer = ctx.out.set(Some(entity), request.to_element()).await?;
    let answer = answer.ok_or_else(|| CommandError::Malformed("the answer is empty".into()))?;
    let reply = CommandPayload::parse(&answer)?;
    if reply.node != step.node {
        return Err(CommandError::Malformed(format!(
            "the answer is for “{}”",
            reply.node
        )));
    }
    if reply.is_executing() && reply.sessionid.is_none() {
        return Err(CommandError::Malformed("the answer has no session".into()));
    }
    Ok(reply)
}
