//! `make bench`: filtering a 5,000-contact roster as the user types, through
//! the roster model (match, group, sort, and the list store the view shows).

use std::time::{Duration, Instant};

#[path = "../support/mod.rs"]
mod support;

use balcony::model::Roster;
use gio::prelude::*;

const CONTACTS: usize = 5_000;

fn main() {
    let roster = Roster::default();
    let items = support::accounts::numbered_contacts(CONTACTS, "example.org");
    roster.replace(&items);
    assert_eq!(roster.rows().n_items() as usize, CONTACTS + 10);
    // What a user types, a key at a time, then clears.
    let typed = [
        "c",
        "co",
        "con",
        "cont",
        "contact",
        "contact 1",
        "number 12",
        "number 123",
        "zzz",
        "",
    ];
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        for text in typed {
            let start = Instant::now();
            roster.set_filter(text);
            times.push(start.elapsed());
        }
    }
    roster.set_filter("number 4999");
    assert_eq!(roster.rows().n_items(), 2, "one header, one contact");
    times.sort();
    let median = times[times.len() / 2].as_secs_f64() * 1000.0;
    let worst = times[times.len() - 1].as_secs_f64() * 1000.0;
    let verdict = if worst <= 10.0 { "ok" } else { "over" };
    println!(
        "bench: roster_filter {worst:.2} ms budget <= 10 {verdict} (worst of {} keystrokes over {CONTACTS} contacts in 10 groups through the roster model; median {median:.2} ms)",
        times.len()
    );
}
