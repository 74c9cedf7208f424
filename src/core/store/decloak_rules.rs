//! Remembered decloak decisions (XEP-0276) and the default policy.

use rusqlite::{params, OptionalExtension};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::privacy::{DecloakPolicy, DecloakRule, RuleScope};

const POLICY_KEY: &str = "decloak-default-policy";

impl Store {
    /// Remembers "always share" for `rule` (once, however often it is added).
    pub fn add_decloak_rule(&self, account: &BareJid, rule: &DecloakRule) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO decloak_rules (account, scope, target) VALUES (?1, ?2, ?3)",
            params![account.as_str(), rule.scope.as_str(), rule.target],
        )?;
        Ok(())
    }

    /// Forgets `rule`; true when it was there.
    pub fn remove_decloak_rule(&self, account: &BareJid, rule: &DecloakRule) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM decloak_rules WHERE account = ?1 AND scope = ?2 AND target = ?3",
            params![account.as_str(), rule.scope.as_str(), rule.target],
        )?;
        Ok(n > 0)
    }

    /// The account's rules, sorted.
    pub fn decloak_rules(&self, account: &BareJid) -> Result<Vec<DecloakRule>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT scope, target FROM decloak_rules WHERE account = ?1 ORDER BY scope, target",
        )?;
        let rows = stmt.query_map([account.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (scope, target) = row?;
            let scope = RuleScope::from_name(&scope).ok_or_else(|| StoreError::Corrupt {
                table: "decloak_rules",
                detail: format!("scope {scope:?}"),
            })?;
            out.push(DecloakRule { scope, target });
        }
        Ok(out)
    }

    /// Whether a rule covers `who`.
    pub fn decloak_allowed(&self, account: &BareJid, who: &BareJid) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM decloak_rules WHERE account = ?1 AND
                 ((scope = 'contact' AND target = ?2) OR (scope = 'domain' AND target = ?3))",
            )?
            .query_row(
                params![account.as_str(), who.as_str(), who.domain().as_str()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// What to do with requests no rule covers.
    pub fn decloak_policy(&self) -> Result<DecloakPolicy, StoreError> {
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM worker_settings WHERE key = ?1")?
            .query_row([POLICY_KEY], |r| r.get(0))
            .optional()?;
        Ok(value.map(|v| DecloakPolicy::from_name(&v)).unwrap_or_default())
    }

    /// Sets the policy for requests no rule covers.
    pub fn set_decloak_policy(&self, policy: DecloakPolicy) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO worker_settings (key, value) VALUES (?1, ?2)",
            params![POLICY_KEY, policy.as_str()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_kept_per_account_and_can_be_revoked() {
        let store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@capulet.lit".parse().expect("jid");
        let other: BareJid = "romeo@montague.lit".parse().expect("jid");
        let tybalt: BareJid = "tybalt@capulet.lit".parse().expect("jid");
        let nurse: BareJid = "nurse@capulet.lit".parse().expect("jid");
        let contact = DecloakRule {
            scope: RuleScope::Contact,
            target: tybalt.to_string(),
        };
        let domain = DecloakRule {
            scope: RuleScope::Domain,
            target: "capulet.lit".into(),
        };
        assert!(!store.decloak_allowed(&me, &tybalt).expect("read"));
        store.add_decloak_rule(&me, &contact).expect("add");
        store.add_decloak_rule(&me, &contact).expect("add twice");
        assert!(store.decloak_allowed(&me, &tybalt).expect("read"));
        assert!(!store.decloak_allowed(&me, &nurse).expect("read"));
        assert!(!store.decloak_allowed(&other, &tybalt).expect("other account"));
        store.add_decloak_rule(&me, &domain).expect("add");
        assert!(store.decloak_allowed(&me, &nurse).expect("read"));
        assert_eq!(
            store.decloak_rules(&me).expect("list"),
            vec![contact.clone(), domain.clone()]
        );
        assert!(store.remove_decloak_rule(&me, &domain).expect("revoke"));
        assert!(!store.remove_decloak_rule(&me, &domain).expect("revoke again"));
        assert!(!store.decloak_allowed(&me, &nurse).expect("read"));
        assert_eq!(store.decloak_policy().expect("policy"), DecloakPolicy::Ask);
        store.set_decloak_policy(DecloakPolicy::Ignore).expect("set");
        assert_eq!(store.decloak_policy().expect("policy"), DecloakPolicy::Ignore);
    }
}
