//! How much of the server's archive (XEP-0313) an account downloads on its
//! own: the user's choice, made when the account is added and changeable in
//! its details. The period is fixed when it is chosen ("the last month" of
//! that day), so that every later catch-up stops at the same point.

/// Days in each choice's period.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryChoice {
    /// Only what arrives from now on.
    Nothing,
    /// The last seven days.
    Week,
    /// The last thirty days (the default).
    #[default]
    Month,
    /// The last 365 days.
    Year,
    /// The whole archive.
    Everything,
}

impl HistoryChoice {
    /// Every choice, in the order the UI offers them.
    pub const ALL: [HistoryChoice; 5] = [
        HistoryChoice::Week,
        HistoryChoice::Month,
        HistoryChoice::Year,
        HistoryChoice::Everything,
        HistoryChoice::Nothing,
    ];

    /// The name stored in the profile.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryChoice::Nothing => "nothing",
            HistoryChoice::Week => "week",
            HistoryChoice::Month => "month",
            HistoryChoice::Year => "year",
            HistoryChoice::Everything => "everything",
        }
    }

    /// Reads a stored name.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The oldest time (ms since the epoch) the archive is read back to,
    /// for a choice made at `now`; `None` for the whole archive.
    pub fn since(self, now: i64) -> Option<i64> {
        match self {
            HistoryChoice::Nothing => Some(now),
            HistoryChoice::Week => Some(now - 7 * DAY_MS),
            HistoryChoice::Month => Some(now - 30 * DAY_MS),
            HistoryChoice::Year => Some(now - 365 * DAY_MS),
            HistoryChoice::Everything => None,
        }
    }
}

/// A choice and the point in time it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPolicy {
    /// What the user chose.
    pub choice: HistoryChoice,
    /// Where catch-ups stop (ms since the epoch); `None`: the archive's
    /// start.
    pub since: Option<i64>,
    /// When the choice was made (ms since the epoch): archived messages
    /// from before it are history, not unread.
    pub chosen_at: i64,
}

impl HistoryPolicy {
    /// `choice`, made at `now` (ms since the epoch).
    pub fn chosen(choice: HistoryChoice, now: i64) -> Self {
        Self {
            choice,
            since: choice.since(now),
            chosen_at: now,
        }
    }

    /// Whether a stored span whose oldest end is at `oldest_ts` reaches as
    /// far back as this policy asks.
    pub fn covered_by(&self, oldest_ts: i64, reaches_start: bool) -> bool {
        reaches_start || self.since.is_some_and(|since| oldest_ts <= since)
    }
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_and_periods_grow() {
        for c in HistoryChoice::ALL {
            assert_eq!(HistoryChoice::from_stored(c.as_str()), Some(c));
        }
        assert_eq!(HistoryChoice::from_stored("forever"), None);
        let now = 1_000 * DAY_MS;
        assert_eq!(HistoryChoice::Nothing.since(now), Some(now));
        assert_eq!(HistoryChoice::Week.since(now), Some(993 * DAY_MS));
        assert_eq!(HistoryChoice::Month.since(now), Some(970 * DAY_MS));
        assert_eq!(HistoryChoice::Year.since(now), Some(635 * DAY_MS));
        assert_eq!(HistoryChoice::Everything.since(now), None);
        assert_eq!(HistoryChoice::default(), HistoryChoice::Month);
    }

    #[test]
    fn a_span_covers_a_policy_when_it_reaches_its_start() {
        let month = HistoryPolicy::chosen(HistoryChoice::Month, 100 * DAY_MS);
        assert!(month.covered_by(70 * DAY_MS, false));
        assert!(!month.covered_by(71 * DAY_MS, false));
        assert!(month.covered_by(99 * DAY_MS, true));
        let all = HistoryPolicy::chosen(HistoryChoice::Everything, 100 * DAY_MS);
        assert!(!all.covered_by(0, false));
        assert!(all.covered_by(0, true));
    }
}
