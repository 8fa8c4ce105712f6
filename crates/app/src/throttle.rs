//! Rate limits for what the public may do without an account (扫码举报, wrong
//! query codes of the progress lookup): at most
//! so many within a sliding window, counted per key (a client address, a
//! licence). Counted in memory, per server process: a limit against floods, not
//! a quota kept across restarts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A limit: at most `most` events per key within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub most: usize,
    pub window: Duration,
}

/// Recent events per key, oldest first.
#[derive(Default)]
pub struct Throttle {
    recent: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

/// Keys kept before the idle ones are dropped.
const MOST_KEYS: usize = 100_000;

impl Throttle {
    /// Whether an event would be refused now, without counting it: the earliest
    /// time the fullest key frees a place, or `None` when every key has room.
    /// For limits that count failures only (wrong query codes): check before
    /// trying, [`Throttle::admit`] the failure after.
    pub fn refused(&self, keys: &[(&str, Limit)], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|(key, limit)| {
                let times = recent.get(*key)?;
                let live: Vec<_> = times.iter().filter(|t| **t > now - limit.window).collect();
                (live.len() >= limit.most).then(|| *live[0] + limit.window)
            })
            .max()
    }

    /// Counts an event under every key if each is under its limit; otherwise
    /// counts nothing and gives the earliest time the fullest key frees a place.
    pub fn admit(&self, keys: &[(&str, Limit)], now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() > MOST_KEYS {
            let longest = keys.iter().map(|(_, l)| l.window).max().unwrap_or_default();
            recent.retain(|_, times| times.back().is_some_and(|t| *t > now - longest));
        }
        let mut retry_at: Option<DateTime<Utc>> = None;
        for (key, limit) in keys {
            let times = recent.entry((*key).to_string()).or_default();
            while times.front().is_some_and(|t| *t <= now - limit.window) {
                times.pop_front();
            }
            if times.len() >= limit.most
                && let Some(oldest) = times.front()
            {
                let free = *oldest + limit.window;
                retry_at = Some(retry_at.map_or(free, |r| r.max(free)));
            }
        }
        if let Some(at) = retry_at {
            return Err(at);
        }
        for (key, _) in keys {
            if let Some(times) = recent.get_mut(*key) {
                times.push_back(now);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PER_ADDRESS: Limit = Limit {
        most: 2,
        window: Duration::minutes(10),
    };
    const PER_LICENCE: Limit = Limit {
        most: 3,
        window: Duration::hours(1),
    };

    #[test]
    fn a_key_over_its_limit_is_refused_until_the_window_passes() {
        let t = Throttle::default();
        let at = DateTime::<Utc>::UNIX_EPOCH;
        assert!(t.admit(&[("a", PER_ADDRESS)], at).is_ok());
        assert!(
            t.admit(&[("a", PER_ADDRESS)], at + Duration::minutes(1))
                .is_ok()
        );
        let refused = t.admit(&[("a", PER_ADDRESS)], at + Duration::minutes(2));
        assert_eq!(refused, Err(at + Duration::minutes(10)));
        assert!(
            t.admit(&[("b", PER_ADDRESS)], at + Duration::minutes(2))
                .is_ok()
        );
        assert!(
            t.admit(&[("a", PER_ADDRESS)], at + Duration::minutes(10))
                .is_ok()
        );
    }

    #[test]
    fn asking_whether_a_key_is_full_counts_nothing() {
        let t = Throttle::default();
        let at = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(t.refused(&[("a", PER_ADDRESS)], at), None);
        assert!(t.admit(&[("a", PER_ADDRESS)], at).is_ok());
        assert_eq!(t.refused(&[("a", PER_ADDRESS)], at), None);
        assert!(t.admit(&[("a", PER_ADDRESS)], at).is_ok());
        assert_eq!(
            t.refused(&[("a", PER_ADDRESS)], at + Duration::minutes(1)),
            Some(at + Duration::minutes(10))
        );
        assert_eq!(
            t.refused(&[("a", PER_ADDRESS)], at + Duration::minutes(10)),
            None
        );
    }

    #[test]
    fn a_refused_event_counts_under_no_key() {
        let t = Throttle::default();
        let at = DateTime::<Utc>::UNIX_EPOCH;
        for address in ["a", "b", "c"] {
            assert!(
                t.admit(&[(address, PER_ADDRESS), ("licence", PER_LICENCE)], at)
                    .is_ok()
            );
        }
        assert!(
            t.admit(&[("d", PER_ADDRESS), ("licence", PER_LICENCE)], at)
                .is_err()
        );
        // "d" was not counted: it may still report another licence twice.
        assert!(
            t.admit(&[("d", PER_ADDRESS), ("other", PER_LICENCE)], at)
                .is_ok()
        );
        assert!(
            t.admit(&[("d", PER_ADDRESS), ("other", PER_LICENCE)], at)
                .is_ok()
        );
    }
}
