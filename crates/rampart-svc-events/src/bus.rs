//! The `EventBus` port: events other services emit (`aws.ssm`, `aws.kms`, ...) go on their
//! account's default bus in their region, through the same matching and delivery as PutEvents.

use crate::interest::Interest;
use crate::records::{DEFAULT_BUS, Home};
use crate::route::{self, Envelope};
use rampart_protocol::AwsError;
use rampart_service::{AwsEvent, Env, EventBus};
use rampart_types::{AccountId, Region};

/// EventBridge as the other services see it.
pub struct Bus {
    interest: Interest,
}

impl Bus {
    /// The bus of a server (one per process).
    pub fn new() -> Bus {
        Bus {
            interest: Interest::default(),
        }
    }
}

impl Default for Bus {
    fn default() -> Bus {
        Bus::new()
    }
}

impl EventBus for Bus {
    fn emit(&self, env: &Env, event: AwsEvent) -> Result<(), AwsError> {
        let home = Home {
            partition: env.partition,
            account: event.account.clone(),
            region: event.region.clone(),
        };
        let id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
        let envelope = Envelope {
            id: &id,
            source: &event.source,
            detail_type: &event.detail_type,
            time: event.time,
            resources: &event.resources,
            detail: event.detail,
        };
        route::route(
            env.store.as_ref(),
            &home,
            DEFAULT_BUS,
            &[envelope.to_event(&home)],
            env.clock.now(),
        )?;
        Ok(())
    }

    fn wants(
        &self,
        env: &Env,
        account: &AccountId,
        region: &Region,
        source: &str,
        detail_type: &str,
    ) -> bool {
        self.interest
            .wants(env.store.as_ref(), account, region, source, detail_type)
    }
}
