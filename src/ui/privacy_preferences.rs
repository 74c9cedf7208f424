//! Preferences → Privacy: the remembered "always share" decisions for
//! presence requests (XEP-0276), each of which can be revoked.

use adw::prelude::*;
use gtk::glib;

use crate::{
    core::privacy::{DecloakRule, RuleScope},
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

fn scope_text(rule: &DecloakRule) -> String {
    match rule.scope {
        RuleScope::Contact => gettext("This contact, whenever they ask"),
        RuleScope::Domain => gettext("Anyone at this domain, whenever they ask"),
    }
}

/// The group listing every account's decisions.
pub fn group(client: &Client) -> adw::PreferencesGroup {
    let group = adw::PreferencesGroup::builder()
        .title(gettext("Always Shown Your Presence"))
        .description(gettext(
            "When they ask, these see that you are online without a question.",
        ))
        .build();
    group.set_widget_name("decloak-rules");
    let rows = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .build();
    group.add(&rows);
    let accounts: Vec<Account> = client
        .accounts()
        .iter::<Account>()
        .flatten()
        .filter(|a| a.saved())
        .collect();
    glib::spawn_future_local(glib::clone!(
        #[weak]
        client,
        #[weak]
        rows,
        async move {
            let mut all = Vec::new();
            for account in accounts {
                match client.decloak_rules(&account).await {
                    Ok(rules) => all.extend(rules.into_iter().map(|r| (account.clone(), r))),
                    Err(e) => tracing::warn!(error = %e, "could not read the decloak decisions"),
                }
            }
            fill(&client, &rows, all);
        }
    ));
    group
}

fn fill(client: &Client, rows: &gtk::ListBox, rules: Vec<(Account, DecloakRule)>) {
    while let Some(child) = rows.first_child() {
        rows.remove(&child);
    }
    if rules.is_empty() {
        let empty = adw::ActionRow::builder()
            .title(gettext("Nobody yet"))
            .subtitle(gettext("Choose “Always” when someone asks to see your presence"))
            .name("no-decloak-rules")
            .build();
        rows.append(&empty);
        return;
    }
    for (account, rule) in rules {
        let row = adw::ActionRow::builder()
            .title(rule.target.as_str())
            .subtitle(scope_text(&rule))
            .name(format!("rule-{}", rule.target))
            .build();
        let revoke = gtk::Button::builder()
            .label(gettext("_Revoke"))
            .use_underline(true)
            .valign(gtk::Align::Center)
            .tooltip_text(gettext_f(
                "Ask again when {target} asks",
                &[("target", &rule.target)],
            ))
            .name(format!("revoke-{}", rule.target))
            .build();
        revoke.add_css_class("destructive-action");
        revoke.connect_clicked(glib::clone!(
            #[weak]
            client,
            #[weak]
            rows,
            #[weak]
            account,
            #[strong]
            rule,
            move |_| {
                let (client, rows, account, rule) =
                    (client.clone(), rows.clone(), account.clone(), rule.clone());
                glib::spawn_future_local(async move {
                    match client.revoke_decloak_rule(&account, rule).await {
                        Ok(left) => fill(
                            &client,
                            &rows,
                            left.into_iter().map(|r| (account.clone(), r)).collect(),
                        ),
                        Err(e) => tracing::warn!(error = %e, "could not revoke a decloak decision"),
                    }
                });
            }
        ));
        row.add_suffix(&revoke);
        rows.append(&row);
    }
}
