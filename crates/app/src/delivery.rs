//! Delivery workers: each channel claims its due deliveries from the outbox,
//! delivers them and records the outcome, retrying failures on the schedule of
//! [`onestamp_domain::message::retry_delay`]. Channels run independently: one
//! that fails or hangs never holds up a case or another channel.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use onestamp_domain::message::retry_delay;

use crate::store::{CHANNELS, Claimed, DeliveryState, Finish};
use crate::{App, AppError};

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        status: Option<i64>,
        answer: Option<String>,
    },
    /// Worth trying again later.
    Failed {
        status: Option<i64>,
        answer: Option<String>,
        error: String,
    },
    /// Refused for good (a webhook answering 410 Gone): not tried again.
    Refused {
        status: Option<i64>,
        answer: Option<String>,
        error: String,
    },
    /// Nowhere to deliver to (no address, no mail server configured).
    Skipped(String),
}

/// A way of delivering messages (email, webhooks). The inbox needs none: the
/// store delivers it inside one transaction.
#[async_trait]
pub trait Channel: Send + Sync {
    /// One of [`CHANNELS`].
    fn name(&self) -> &'static str;
    /// Delivers one claimed delivery. Must give up within the claim's lease.
    async fn deliver(&self, app: &App, delivery: &Claimed) -> Attempt;
    /// Called after the outcome is recorded (a webhook channel disables a
    /// webhook that refused for good).
    async fn after(&self, _app: &App, _delivery: &Claimed, _attempt: &Attempt) {}
}

/// What one pass of a channel did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryRun {
    pub claimed: u32,
    pub delivered: u32,
    pub failed: u32,
    /// Claims whose lease ran out before their outcome was recorded (another
    /// worker has them now).
    pub lost: u32,
}

/// How one claimed delivery ended, for [`DeliveryRun`].
enum Outcome {
    Delivered,
    Failed,
    Skipped,
    Lost,
}

/// Failed attempts per channel since this process started (`/metrics`).
#[derive(Debug, Default)]
pub struct FailureCounts([AtomicU64; 3]);

impl FailureCounts {
    fn add(&self, channel: &str) {
        if let Some(i) = CHANNELS.iter().position(|c| *c == channel) {
            self.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `(channel, failed attempts)` for every channel.
    pub fn all(&self) -> Vec<(&'static str, u64)> {
        CHANNELS
            .iter()
            .zip(self.0.iter())
            .map(|(c, n)| (*c, n.load(Ordering::Relaxed)))
            .collect()
    }
}

/// The first 500 characters of a receiver's answer, kept for the administrator.
pub fn clip_answer(answer: &str) -> String {
    answer.chars().take(500).collect()
}

impl App {
    /// Delivers what is due in the inbox: each exactly once.
    pub async fn deliver_inbox(&self) -> Result<u32, AppError> {
        let mut total = 0;
        loop {
            let n = self.store.deliver_inbox(self.clock.now(), 200).await?;
            total += n;
            if n < 200 {
                return Ok(total);
            }
        }
    }

    /// One pass of `channel`: claims up to `limit` due deliveries, delivers them
    /// one after another and records each outcome.
    pub async fn deliver(
        &self,
        channel: &dyn Channel,
        limit: u32,
    ) -> Result<DeliveryRun, AppError> {
        let now = self.clock.now();
        let lease_until = now + self.settings.delivery_lease;
        let claimed = self
            .store
            .claim_deliveries(channel.name(), now, lease_until, limit)
            .await?;
        let mut run = DeliveryRun {
            claimed: u32::try_from(claimed.len()).unwrap_or(u32::MAX),
            ..DeliveryRun::default()
        };
        // The batch goes out at once, each attempt bounded well inside the lease
        // so that no claim outlives it while its worker is alive.
        let bound = (self.settings.delivery_lease - chrono::Duration::seconds(1))
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_secs(1));
        // Each outcome is recorded as soon as its attempt ends: a worker that
        // dies later leaves only the attempts still in flight to repeat.
        let outcomes =
            futures::future::join_all(claimed.iter().map(|d| self.attempt_one(channel, d, bound)))
                .await;
        for outcome in outcomes {
            match outcome? {
                Outcome::Delivered => run.delivered += 1,
                Outcome::Failed => run.failed += 1,
                Outcome::Skipped => {}
                Outcome::Lost => run.lost += 1,
            }
        }
        Ok(run)
    }

    /// One claimed delivery: the attempt, bounded by `bound`, and its outcome
    /// recorded under the claim's lease.
    async fn attempt_one(
        &self,
        channel: &dyn Channel,
        d: &Claimed,
        bound: std::time::Duration,
    ) -> Result<Outcome, AppError> {
        let attempt = match tokio::time::timeout(bound, channel.deliver(self, d)).await {
            Ok(attempt) => attempt,
            Err(_) => Attempt::Failed {
                status: None,
                answer: None,
                error: format!("投递超时（{} 秒内没有完成）", bound.as_secs()),
            },
        };
        let at = self.clock.now();
        let (finish, outcome) = match &attempt {
            Attempt::Delivered { status, answer } => (
                Finish {
                    state: DeliveryState::Delivered,
                    due_at: at,
                    status: *status,
                    answer: answer.clone(),
                    error: None,
                    at,
                },
                Outcome::Delivered,
            ),
            Attempt::Failed {
                status,
                answer,
                error,
            } => {
                self.delivery_failures.add(channel.name());
                let next = retry_delay(d.attempts);
                tracing::warn!(delivery = d.id, channel = channel.name(), attempts = d.attempts, error = %error, gives_up = next.is_none(), "delivery failed");
                (
                    Finish {
                        state: if next.is_some() {
                            DeliveryState::Pending
                        } else {
                            DeliveryState::Failed
                        },
                        due_at: next.map_or(at, |delay| at + delay),
                        status: *status,
                        answer: answer.clone(),
                        error: Some(error.clone()),
                        at,
                    },
                    Outcome::Failed,
                )
            }
            Attempt::Refused {
                status,
                answer,
                error,
            } => {
                self.delivery_failures.add(channel.name());
                tracing::warn!(delivery = d.id, channel = channel.name(), error = %error, "delivery refused for good");
                (
                    Finish {
                        state: DeliveryState::Failed,
                        due_at: at,
                        status: *status,
                        answer: answer.clone(),
                        error: Some(error.clone()),
                        at,
                    },
                    Outcome::Failed,
                )
            }
            Attempt::Skipped(why) => (
                Finish {
                    state: DeliveryState::Skipped,
                    due_at: at,
                    status: None,
                    answer: None,
                    error: Some(why.clone()),
                    at,
                },
                Outcome::Skipped,
            ),
        };
        if self
            .store
            .finish_delivery(d.id, d.lease_until, finish)
            .await?
        {
            channel.after(self, d, &attempt).await;
            Ok(outcome)
        } else {
            tracing::warn!(
                delivery = d.id,
                channel = channel.name(),
                "lease ran out before the outcome was recorded"
            );
            Ok(Outcome::Lost)
        }
    }

    /// Failed delivery attempts per channel since this process started.
    pub fn delivery_failures(&self) -> Vec<(&'static str, u64)> {
        self.delivery_failures.all()
    }

    /// Pending and failed deliveries per channel (`/metrics`).
    pub async fn delivery_backlog(&self) -> Result<Vec<crate::store::ChannelBacklog>, AppError> {
        Ok(self.store.delivery_backlog().await?)
    }
}
