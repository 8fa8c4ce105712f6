//! Log in, authenticate a bearer token, log out. Passwords are hashed with
//! argon2; tokens are random 256-bit values of which only the SM3 hash is stored.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sm3::{Digest, Sm3};

use onestamp_domain::role::Role;

use crate::store::User;
use crate::{App, AppError};

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

fn token_hash(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

/// A logged-in user, as the use cases receive it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
}

impl Session {
    pub fn has(&self, role: Role) -> bool {
        self.user.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.user.roles.iter().any(|r| r.is_staff())
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

    pub fn actor(&self) -> onestamp_domain::case::Actor {
        onestamp_domain::case::Actor {
            user_id: self.user.id,
            roles: self.user.roles.clone(),
        }
    }
}

impl App {
    /// Checks the credentials and returns a new bearer token.
    pub async fn login(&self, username: &str, password: &str) -> Result<(String, User), AppError> {
        let found = self.store.user_credentials(username.trim()).await?;
        let Some((user, hash)) = found else {
            // Spend the same time as a real check, so user names cannot be probed.
            let _ = verify_password(password, DUMMY_HASH);
            return Err(AppError::BadCredentials);
        };
        let (password, hash) = (password.to_string(), hash.clone());
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        if !ok || !user.active {
            return Err(AppError::BadCredentials);
        }
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let expires = self.clock.now() + self.settings.token_ttl;
        self.store
            .create_token(&token_hash(&token), user.id, expires)
            .await?;
        tracing::info!(actor = %user.username, "login");
        Ok((token, user))
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
            Some(user) if user.active => Ok(Session { user }),
            _ => Err(AppError::Unauthenticated),
        }
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        self.store.revoke_token(&token_hash(token)).await?;
        Ok(())
    }
}

/// An argon2 hash of a random password, used to equalise timing for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jq9m2c7RMe0a3y1aT7y4C5oSx7XPhJQyX4yA6y5Gd0s";
