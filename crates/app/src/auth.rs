//! Log in, authenticate a bearer token, log out. Passwords are hashed with
//! argon2; tokens are random 256-bit values of which only the SM3 hash is stored.

use std::net::IpAddr;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sm3::{Digest, Sm3};

use onestamp_domain::role::Role;

use crate::store::User;
use crate::{App, AppError};

/// At most this many argon2 computations at once: each needs ~19 MiB of working
/// memory, which the allocator keeps once used, so a burst of logins must not
/// raise the server's resident memory by that much per login.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Runs an argon2 computation off the async threads, two at a time at most.
pub(crate) async fn hashing<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(f).await.ok()
}

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let hash: PasswordHash = Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(hash.to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

/// A fresh random 256-bit value, hex: a bearer token, or the nonce a login page
/// is protected with before there is a session.
pub fn random_token() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

/// The CSRF token of a page session: SM3 over a fixed label and the session's
/// secret token. Only someone who holds the token (the HttpOnly cookie) can
/// compute it, it changes with every login, and it reveals nothing of the token.
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sm3::new();
    h.update(b"onestamp page csrf v1\0");
    h.update(session_token.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `given` is the CSRF token of `session_token`, compared in constant time.
pub fn csrf_matches(session_token: &str, given: &str) -> bool {
    let expected = csrf_token(session_token);
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A logged-in user, as the use cases receive it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The self-service kiosk the user signed in at (自助终端); `None` on the
    /// web, the phone and at the counter. Kiosk actions carry it into the audit chain.
    pub kiosk: Option<KioskOrigin>,
}

/// The kiosk a session is tied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskOrigin {
    pub id: i64,
    pub name: String,
}

impl Session {
    /// The session of a user signed in on the web, the phone or at the counter.
    pub fn of(user: User) -> Session {
        Session { user, kiosk: None }
    }
}

impl Session {
    pub fn has(&self, role: Role) -> bool {
        self.user.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.holds_any(Role::is_staff)
    }

    /// Whether one of the user's roles has the property `pick` (a method of [`Role`]).
    pub fn holds_any(&self, pick: fn(Role) -> bool) -> bool {
        self.user.roles.iter().any(|r| pick(*r))
    }

    /// Refuses unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.label_zh()).collect();
            Err(AppError::Forbidden(format!(
                "需要以下角色之一：{}",
                names.join("、")
            )))
        }
    }

    /// Refuses unless one of the user's roles has the property `pick` (a method
    /// of [`Role`]); the refusal names the roles that have it.
    pub fn require_holding(&self, pick: fn(Role) -> bool) -> Result<(), AppError> {
        let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| pick(*r)).collect();
        self.require(&roles)
    }

    /// The user's roles, comma-separated (for logs).
    pub fn role_names(&self) -> String {
        let names: Vec<&str> = self.user.roles.iter().map(|r| r.as_str()).collect();
        names.join(",")
    }

    pub fn actor(&self) -> onestamp_domain::case::Actor {
        onestamp_domain::case::Actor {
            user_id: self.user.id,
            roles: self.user.roles.clone(),
        }
    }
}

impl App {
    /// Checks the credentials and returns a new bearer token. `source` is the
    /// client's address, by which failed attempts are counted (see [`LoginPolicy`]).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<(String, User), AppError> {
        let username = username.trim();
        let now = self.clock.now();
        if username.is_empty() || username.len() > 64 || password.len() > 1024 {
            return Err(AppError::BadCredentials);
        }
        let keys = FailureKeys::of(username, source);
        for key in keys.all() {
            if let Some(f) = self.store.login_failures(key).await?
                && let Some(until) = f.locked_until
                && until > now
            {
                return Err(AppError::LoginLocked {
                    until: self.local_time(until),
                });
            }
        }
        let found = self.store.user_credentials(username).await?;
        let hash = found
            .as_ref()
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let pw = password.to_string();
        // An unknown user costs the same argon2 check, so user names cannot be probed.
        let ok = hashing(move || verify_password(&pw, &hash))
            .await
            .unwrap_or(false);
        let user = match found {
            Some((user, _)) if ok && user.active => user,
            _ => return Err(self.login_failed(&keys).await),
        };
        // Success forgets this pair's failures only: the address and the name
        // keep theirs, so one right password does not reset a guessing run.
        self.store.clear_login_failures(&keys.pair).await?;
        let token = random_token();
        let expires = self.clock.now() + self.settings.token_ttl;
        self.store
            .create_token(&token_hash(&token), user.id, expires)
            .await?;
        tracing::info!(actor_id = user.id, actor = %user.username, "login");
        Ok((token, user))
    }

    /// Counts a failed login under each key; answers after a delay that doubles
    /// with the address's failures, with the lock if one was reached.
    async fn login_failed(&self, keys: &FailureKeys) -> AppError {
        let p = &self.settings.login;
        let now = self.clock.now();
        let mut locked: Option<DateTime<Utc>> = None;
        let mut address_failures = 0;
        for (key, lock_after) in [
            (&keys.pair, p.lock_after),
            (&keys.address, p.address_lock_after),
            (&keys.account, p.account_lock_after),
        ] {
            let f = match self
                .store
                .record_login_failure(key, now, p.window, lock_after, p.lock_for)
                .await
            {
                Ok(f) => f,
                Err(e) => return e.into(),
            };
            if key == &keys.address {
                address_failures = f.failures;
            }
            if key == &keys.account && f.failures == p.account_lock_after {
                tracing::warn!(
                    user = %keys.username,
                    failures = f.failures,
                    "user name locked for every address after repeated failed logins: a guessing attack from many addresses"
                );
            }
            if let Some(until) = f.locked_until {
                locked = Some(locked.map_or(until, |l| l.max(until)));
            }
        }
        tokio::time::sleep(failure_delay(p.delay_per_failure, address_failures)).await;
        match locked {
            Some(until) => AppError::LoginLocked {
                until: self.local_time(until),
            },
            None => AppError::BadCredentials,
        }
    }

    /// The session of a bearer token, if it is valid now.
    pub async fn authenticate(&self, token: &str) -> Result<Session, AppError> {
        if token.is_empty() || token.len() > 256 {
            return Err(AppError::Unauthenticated);
        }
        match self
            .store
            .token_user(&token_hash(token), self.clock.now())
            .await?
        {
            Some(user) if user.active => Ok(Session::of(user)),
            _ => Err(AppError::Unauthenticated),
        }
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        self.store.revoke_token(&token_hash(token)).await?;
        Ok(())
    }
}

/// An argon2id hash (of a password nobody knows) checked for unknown user names,
/// so that they take as long as known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YWJjZGVmZ2hpamtsbW5vcA$0oNXdpn8lGbi4b8cBG28qFQ1EJTUVyk3mkNF0VQGT2k";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash_so_unknown_users_cost_a_full_check() {
        let h = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(h.algorithm.as_str(), "argon2id");
        assert!(!verify_password("demo", DUMMY_HASH));
    }

    #[test]
    fn a_csrf_token_belongs_to_its_session_token_only() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert!(!csrf_matches(&a, &a));
        assert_ne!(csrf_token(&a), token_hash(&a));
    }

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("demo").unwrap();
        assert!(verify_password("demo", &h));
        assert!(!verify_password("Demo", &h));
    }
}

/// The keys failed logins are counted under (see [`LoginPolicy`]).
struct FailureKeys {
    username: String,
    pair: String,
    address: String,
    account: String,
}

impl FailureKeys {
    fn of(username: &str, source: Option<IpAddr>) -> FailureKeys {
        // Without an address (a caller inside the process) every attempt counts
        // as coming from one unknown place.
        let from = source.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        FailureKeys {
            username: username.to_string(),
            pair: format!("pair:{from} {username}"),
            address: format!("addr:{from}"),
            account: format!("user:{username}"),
        }
    }

    fn all(&self) -> [&str; 3] {
        [&self.pair, &self.address, &self.account]
    }
}

/// The delay of a failed attempt: `base` doubled for each earlier failure from
/// the address, at most 5 s.
fn failure_delay(base: std::time::Duration, failures: u32) -> std::time::Duration {
    let doubled = base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled.min(std::time::Duration::from_secs(5))
}

#[cfg(test)]
mod login_tests {
    use super::*;

    #[test]
    fn the_delay_doubles_with_each_failure_up_to_five_seconds() {
        let base = std::time::Duration::from_millis(200);
        let ms = |n| failure_delay(base, n).as_millis();
        assert_eq!([ms(1), ms(2), ms(3), ms(4)], [200, 400, 800, 1600]);
        assert_eq!(ms(6), 5000);
        assert_eq!(ms(1000), 5000);
    }

    #[test]
    fn a_pair_an_address_and_a_name_are_counted_apart() {
        let from: IpAddr = [10, 0, 0, 7].into();
        let k = FailureKeys::of("clerk", Some(from));
        assert_eq!(
            k.all(),
            ["pair:10.0.0.7 clerk", "addr:10.0.0.7", "user:clerk"]
        );
    }
}
