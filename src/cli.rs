//! Command line: `balcony [--profile DIR] [URI]` starts the app;
//! `balcony [--profile DIR] account add|list|remove …` manages accounts
//! without a window (for power users, tests and the demo).

use std::{fs, path::PathBuf};

use crate::{
    core::{
        account::{parse_account_jid, AccountConfig, ServerAddress, TlsMode},
        credentials::{self, Password, PasswordStorage},
        profile::Profile,
        store::{Store, StoredAccount},
        xmpp::connection::tls::parse_pem_certificates,
    },
    i18n::{gettext, gettext_f},
};

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Start the app; `rest` goes to GApplication (e.g. an `xmpp:` URI).
    App {
        /// `--profile DIR`, if given.
        profile: Option<PathBuf>,
        /// Remaining arguments, program name first.
        rest: Vec<String>,
    },
    /// `account …`.
    Account {
        /// `--profile DIR`, if given.
        profile: Option<PathBuf>,
        /// The sub-command.
        command: AccountCommand,
    },
}

/// `account` sub-commands.
#[derive(Debug, PartialEq, Eq)]
pub enum AccountCommand {
    /// `account add JID --password-file F [--server HOST:PORT] [--direct-tls] [--trust-cert PEM] [--store-password-in-profile]`
    Add {
        /// The JID as typed.
        jid: String,
        /// File holding the password (first line).
        password_file: PathBuf,
        /// `host:port` override.
        server: Option<String>,
        /// Use direct TLS.
        direct_tls: bool,
        /// PEM file to trust (CA or the server's certificate).
        trust_cert: Option<PathBuf>,
        /// Keep the password in the profile instead of the Secret Service.
        password_in_profile: bool,
    },
    /// `account list`
    List,
    /// `account remove JID`
    Remove {
        /// The JID.
        jid: String,
    },
}

/// The usage text.
pub fn usage() -> String {
    gettext(
        "Usage:\n  balcony [--profile DIR] [xmpp:URI]\n  balcony [--profile DIR] account add JID --password-file FILE [--server HOST:PORT] [--direct-tls] [--trust-cert PEM] [--store-password-in-profile]\n  balcony [--profile DIR] account list\n  balcony [--profile DIR] account remove JID",
    )
}

fn value(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    args.next()
        .ok_or_else(|| gettext_f("The option {option} needs a value.", &[("option", flag)]))
}

/// Parses `argv` (program name first).
pub fn parse(argv: &[String]) -> Result<Invocation, String> {
    let program = argv.first().cloned().unwrap_or_else(|| "balcony".into());
    let mut profile = None;
    let mut rest = vec![program];
    let mut args = argv.iter().skip(1).cloned();
    while let Some(arg) = args.next() {
        if arg == "--profile" {
            profile = Some(PathBuf::from(value(&mut args, "--profile")?));
        } else if let Some(dir) = arg.strip_prefix("--profile=") {
            profile = Some(PathBuf::from(dir));
        } else if arg == "account" && rest.len() == 1 {
            let command = parse_account(&mut args)?;
            return Ok(Invocation::Account { profile, command });
        } else {
            rest.push(arg);
        }
    }
    Ok(Invocation::App { profile, rest })
}

fn parse_account(args: &mut impl Iterator<Item = String>) -> Result<AccountCommand, String> {
    match args.next().as_deref() {
        Some("list") => Ok(AccountCommand::List),
        Some("remove") => {
            let jid = args
                .next()
                .ok_or_else(|| gettext("Which account? Give its address."))?;
            Ok(AccountCommand::Remove { jid })
        }
        Some("add") => {
            let mut jid = None;
            let mut password_file = None;
            let mut server = None;
            let mut direct_tls = false;
            let mut trust_cert = None;
            let mut password_in_profile = false;
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--password-file" => password_file = Some(PathBuf::from(value(args, &arg)?)),
                    "--server" => server = Some(value(args, &arg)?),
                    "--trust-cert" => trust_cert = Some(PathBuf::from(value(args, &arg)?)),
                    "--direct-tls" => direct_tls = true,
                    "--store-password-in-profile" => password_in_profile = true,
                    s if s.starts_with('-') => {
                        return Err(gettext_f("Unknown option {option}.", &[("option", s)]))
                    }
                    _ if jid.is_none() => jid = Some(arg),
                    _ => return Err(gettext_f("Unexpected argument {arg}.", &[("arg", &arg)])),
                }
            }
            Ok(AccountCommand::Add {
                jid: jid.ok_or_else(|| gettext("Which account? Give its address."))?,
                password_file: password_file
                    .ok_or_else(|| gettext("Give the password with --password-file FILE."))?,
                server,
                direct_tls,
                trust_cert,
                password_in_profile,
            })
        }
        Some(other) => Err(gettext_f(
            "Unknown account command {command}.",
            &[("command", other)],
        )),
        None => Err(gettext("Say what to do with accounts: add, list or remove.")),
    }
}

/// The default profile directory (`$XDG_DATA_HOME/balcony`).
pub fn default_profile_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("balcony")
}

/// Runs an account command; the text to print on success.
pub fn run_account(profile_dir: PathBuf, command: AccountCommand) -> Result<String, String> {
    let profile = Profile::open(&profile_dir).map_err(|e| {
        gettext_f(
            "Cannot open the profile {dir}: {error}",
            &[
                ("dir", &profile_dir.display().to_string()),
                ("error", &e.to_string()),
            ],
        )
    })?;
    let mut store = Store::open(&profile.database_path()).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    match command {
        AccountCommand::List => {
            let accounts = store.accounts().map_err(|e| e.to_string())?;
            Ok(accounts
                .iter()
                .map(|a| a.config.jid.to_string())
                .collect::<Vec<_>>()
                .join("\n"))
        }
        AccountCommand::Remove { jid } => {
            let jid = parse_account_jid(&jid).map_err(|e| e.to_string())?;
            let stored = store.account(&jid).map_err(|e| e.to_string())?;
            let Some(stored) = stored else {
                return Err(gettext_f("There is no account {jid}.", &[("jid", jid.as_str())]));
            };
            runtime
                .block_on(credentials::forget_password(
                    &profile,
                    stored.password_storage,
                    &jid,
                ))
                .map_err(|e| e.to_string())?;
            runtime
                .block_on(credentials::forget_fast_token(
                    &profile,
                    stored.password_storage,
                    &jid,
                ))
                .map_err(|e| e.to_string())?;
            store.remove_account(&jid).map_err(|e| e.to_string())?;
            Ok(gettext_f("Removed {jid}.", &[("jid", jid.as_str())]))
        }
        AccountCommand::Add {
            jid,
            password_file,
            server,
            direct_tls,
            trust_cert,
            password_in_profile,
        } => {
            let jid = parse_account_jid(&jid).map_err(|e| {
                gettext_f(
                    "That is not a valid account address: {error}",
                    &[("error", &e.to_string())],
                )
            })?;
            let server = server
                .map(|s| {
                    s.parse::<ServerAddress>().map_err(|e| {
                        gettext_f(
                            "The server {server} is not valid: {error}",
                            &[("server", &s), ("error", &e.to_string())],
                        )
                    })
                })
                .transpose()?;
            let read = |path: &PathBuf| {
                fs::read_to_string(path).map_err(|e| {
                    gettext_f(
                        "Cannot read {file}: {error}",
                        &[("file", &path.display().to_string()), ("error", &e.to_string())],
                    )
                })
            };
            let password = read(&password_file)?;
            let password = Password::new(password.lines().next().unwrap_or_default());
            if password.is_empty() {
                return Err(gettext("The password file is empty."));
            }
            let extra_ca_pem = match &trust_cert {
                Some(path) => {
                    let pem = read(path)?;
                    parse_pem_certificates(&pem).map_err(|e| e.to_string())?;
                    Some(pem)
                }
                None => None,
            };
            let storage = if password_in_profile {
                PasswordStorage::ProfileFile
            } else if runtime.block_on(credentials::secret_service_available()) {
                PasswordStorage::SecretService
            } else {
                return Err(gettext(
                    "No Secret Service is running, so the password has nowhere safe to go. Start your keyring, or pass --store-password-in-profile to keep it in a file only you can read.",
                ));
            };
            runtime
                .block_on(credentials::save_password(&profile, storage, &jid, &password))
                .map_err(|e| e.to_string())?;
            let account = StoredAccount {
                config: AccountConfig {
                    jid: jid.clone(),
                    server,
                    tls: if direct_tls {
                        TlsMode::DirectTls
                    } else {
                        TlsMode::StartTls
                    },
                    extra_ca_pem,
                },
                enabled: true,
                password_storage: storage,
            };
            store.save_account(&account).map_err(|e| e.to_string())?;
            Ok(gettext_f("Added {jid}.", &[("jid", jid.as_str())]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn app_invocation_keeps_other_args_for_gapplication() {
        assert_eq!(
            parse(&argv("balcony --profile /tmp/p xmpp:romeo@montague.lit")),
            Ok(Invocation::App {
                profile: Some("/tmp/p".into()),
                rest: argv("balcony xmpp:romeo@montague.lit"),
            })
        );
    }

    #[test]
    fn account_add_parses_every_option() {
        let inv = parse(&argv(
            "balcony --profile p account add j@d --password-file f --server 127.0.0.1:5 --direct-tls --trust-cert c.pem --store-password-in-profile",
        ));
        assert_eq!(
            inv,
            Ok(Invocation::Account {
                profile: Some("p".into()),
                command: AccountCommand::Add {
                    jid: "j@d".into(),
                    password_file: "f".into(),
                    server: Some("127.0.0.1:5".into()),
                    direct_tls: true,
                    trust_cert: Some("c.pem".into()),
                    password_in_profile: true,
                },
            })
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(parse(&argv("balcony account add j@d")).is_err());
        assert!(parse(&argv("balcony account add j@d --password-file")).is_err());
        assert!(parse(&argv("balcony account frobnicate")).is_err());
        assert!(parse(&argv("balcony --profile")).is_err());
    }
}
