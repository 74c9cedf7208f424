//! `make bench`: OMEMO, encrypting and decrypting 1,000 messages to a
//! contact with 3 devices, in each wire version: per message the body is
//! sealed, its key encrypted to each of the 3 devices (libomemo-c's
//! ratchet with RustCrypto's primitives), and each device decrypts its key
//! and opens the body. The budget is per message, all of that included.

use std::time::Instant;

use balcony::core::omemo::{device::Device, payload, WireVersion};

const MESSAGES: usize = 1_000;
const DEVICES: usize = 3;
const BUDGET_MS: f64 = 1.0;
const RUNS: usize = 3;

/// Milliseconds per message for one run in `version`.
fn run(version: WireVersion) -> f64 {
    let alice = Device::generate().expect("alice");
    let bobs: Vec<Device> = (0..DEVICES).map(|_| Device::generate().expect("bob")).collect();
    for bob in &bobs {
        let bundle = bob.bundle(version).expect("bundle");
        alice
            .start_session("bob@balcony.test", &bundle, bundle.pre_keys[0].0)
            .expect("session");
    }
    let started = Instant::now();
    for n in 0..MESSAGES {
        let text = format!("Message number {n}: but soft, what light through yonder window breaks?");
        let sealed = match version {
            WireVersion::Legacy => payload::seal_legacy(text.as_bytes()),
            WireVersion::Omemo2 => payload::seal_omemo2(text.as_bytes()),
        }
        .expect("seal");
        for bob in &bobs {
            let key = alice
                .encrypt_key(version, "bob@balcony.test", bob.device_id(), &sealed.key_material)
                .expect("encrypt");
            let material = bob
                .decrypt_key(
                    version,
                    "alice@balcony.test",
                    alice.device_id(),
                    &key.data,
                    key.key_exchange,
                )
                .expect("decrypt");
            let opened = match version {
                WireVersion::Legacy => payload::open_legacy(&material, &sealed.iv, &sealed.ciphertext),
                WireVersion::Omemo2 => payload::open_omemo2(&material, &sealed.ciphertext),
            }
            .expect("open");
            assert_eq!(opened.as_slice(), text.as_bytes());
        }
    }
    started.elapsed().as_secs_f64() * 1000.0 / MESSAGES as f64
}

fn main() {
    let median = |version| {
        let mut runs: Vec<f64> = (0..RUNS).map(|_| run(version)).collect();
        runs.sort_by(f64::total_cmp);
        runs[RUNS / 2]
    };
    let (legacy, omemo2) = (median(WireVersion::Legacy), median(WireVersion::Omemo2));
    let worst = legacy.max(omemo2);
    println!(
        "bench: omemo {worst:.3} ms budget <= {BUDGET_MS} per message {} ({MESSAGES} messages to a contact with {DEVICES} devices, each sealed, its key encrypted to every device, decrypted and opened there; median of {RUNS}; legacy {legacy:.3} ms, OMEMO 2 {omemo2:.3} ms per message; the worse of the two is the figure)",
        if worst <= BUDGET_MS { "ok" } else { "over" }
    );
}
