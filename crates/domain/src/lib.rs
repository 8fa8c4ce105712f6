//! The bureau's domain: the catalogue of items, the case state machine, the roles
//! that may act, the working-day calendar, assignment policy, validators and the
//! content of audit entries.
//!
//! Everything here is pure: no I/O, no async, no database or web types. Time and
//! randomness come in as arguments, so every rule can be unit tested exhaustively.

pub mod analytics;
pub mod analytics_hall;
pub mod assignment;
pub mod audit;
pub mod bundle;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod document;
pub mod error;
pub mod guide;
pub mod hall;
pub mod identity;
pub mod kiosk;
pub mod licence;
pub mod message;
pub mod privacy;
pub mod rating;
pub mod role;
pub mod rules;
pub mod supervision_feed;
pub mod text;
pub mod theme;
pub mod timing;
pub mod validate;
pub mod webhook;

pub use error::DomainError;
