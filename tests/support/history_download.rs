//! The history download's UI tests: an archive that answers slowly, an
//! account set up earlier with "nothing" chosen, and a choice made in the
//! account's details by real clicks.

use std::time::Duration;

use adw::prelude::*;
use balcony::core::{
    history_sync::{now_ms, HistoryChoice, HistoryPolicy},
    profile::Profile,
    store::Store,
};
use xmpp_parsers::jid::BareJid;

use super::{
    prosody::Prosody,
    ui::{all, click_main_menu_item, dialog_of, find, pump_until},
    xinput::click,
};

const WAIT: Duration = Duration::from_secs(30);

/// Prosody whose archive holds `count` messages from romeo to juliet, two
/// minutes apart, and answers each archive query after a quarter second.
pub fn slow_archive(count: u64) -> Prosody {
    let server = Prosody::start_with(
        &["balcony_archive_fill"],
        &format!(
            "max_archive_query_results = 100\nmodules_disabled = {{ \"s2s\", \"offline\" }}\n\
             balcony_archive_fill = {{ user = \"juliet\", with = \"romeo@balcony.test\", count = {count}, step = 120, newest = 60 }}\n\
             balcony_archive_delay = 0.25"
        ),
    );
    server.register("juliet", "pw-j");
    server
}

/// juliet's account, set up once on `server` with "nothing" chosen.
pub fn set_up_with_nothing(server: &Prosody, name: &str) -> Profile {
    let jid: BareJid = "juliet@balcony.test".parse().expect("jid");
    let profile = super::profiles::fresh(name);
    Store::open(&profile.database_path())
        .expect("store")
        .set_history_policy(&jid, &HistoryPolicy::chosen(HistoryChoice::Nothing, now_ms()))
        .expect("policy");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let setup =
            super::accounts::online_at(server, &server.c2s_addr(), profile.clone(), "juliet", "pw-j").await;
        setup.worker.shutdown();
    });
    profile
}

/// Messages from romeo stored in `profile`.
pub fn stored(profile: &Profile) -> u64 {
    Store::open(&profile.database_path())
        .expect("store")
        .count_messages(
            &"juliet@balcony.test".parse().expect("jid"),
            &"romeo@balcony.test".parse().expect("jid"),
        )
        .expect("count")
}

/// Opens the account's details from the main menu (`menu_item` as
/// shown), picks `choice` in Download History, and returns the details
/// window (still open) and the row.
pub fn choose_in_details(
    window: &balcony::ui::Window,
    menu_item: &str,
    choice: &str,
) -> (adw::PreferencesWindow, adw::ComboRow) {
    let win: gtk::Window = window.clone().upcast();
    click_main_menu_item(window, menu_item);
    pump_until("the details", WAIT, || {
        dialog_of::<adw::PreferencesWindow>(&win).is_some()
    });
    let details = dialog_of::<adw::PreferencesWindow>(&win).expect("details");
    let row = find::<adw::ComboRow>(&details, "history-choice");
    pump_until("the stored choice", WAIT, || row.is_sensitive());
    click(&row);
    let item = || {
        all::<gtk::Label>(&row)
            .into_iter()
            .find(|l| l.label() == choice && l.is_mapped())
    };
    pump_until("the choices", WAIT, || item().is_some());
    click(&item().expect("the choice"));
    (details, row)
}

/// The count in the sidebar's progress line (`prefix` and `suffix` around
/// it, in the UI's language).
pub fn progress_count(label: &gtk::Label, prefix: &str, suffix: &str) -> Option<u64> {
    label
        .label()
        .strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .replace([',', '.'], "")
        .parse()
        .ok()
}
