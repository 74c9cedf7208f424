//! `balcony`: the app, or account management from the command line.

use std::process::ExitCode;

use balcony::{cli, i18n};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BALCONY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    quiet_expected_stream_panic();
    i18n::init();
    let argv: Vec<String> = std::env::args().collect();
    match cli::parse(&argv) {
        Ok(cli::Invocation::App { profile, rest }) => {
            let code = balcony::ui::run(profile, rest);
            ExitCode::from(code)
        }
        Ok(cli::Invocation::Account { profile, command }) => {
            let dir = profile.unwrap_or_else(cli::default_profile_dir);
            match cli::run_account(dir, command) {
                Ok(out) => {
                    if !out.is_empty() {
                        println!("{out}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("balcony: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("balcony: {e}\n\n{}", cli::usage());
            ExitCode::from(2)
        }
    }
}

/// tokio-xmpp ends a stream whose reconnector gave up (wrong password,
/// untrusted certificate) by letting its worker task panic; tokio catches
/// it. That is expected, so it goes to the debug log, not to stderr with a
/// backtrace. Every other panic is reported as usual.
fn quiet_expected_stream_panic() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let from_tokio_xmpp = info.location().is_some_and(|l| l.file().contains("tokio-xmpp"));
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or_default();
        if from_tokio_xmpp && message.contains("unable to handle reconnect request") {
            tracing::debug!("stream ended after a fatal connection error");
        } else {
            default(info);
        }
    }));
}
