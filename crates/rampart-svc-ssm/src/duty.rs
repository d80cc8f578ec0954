//! The scheduler's Parameter Store work: parameter policies that came due. It acts on the
//! service's own authority (no caller, no KMS use): an Expiration deletes its parameter, a
//! notification emits its `Parameter Store Policy Action` event, each exactly once.

use crate::due;
use crate::events::{self, Subject};
use crate::name;
use crate::policies::{self, FINISHED, Rule};
use crate::record;
use rampart_protocol::AwsError;
use rampart_service::Env;
use rampart_store::{Batch, Expect};
use rampart_types::{AccountId, Region};

/// How many due entries one run handles at most (the next run takes the rest).
const BATCH: usize = 256;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DueReport {
    /// Parameters deleted by their Expiration policy.
    pub expired: usize,
    /// Notification events emitted.
    pub notified: usize,
}

/// Acts on every parameter policy due by now (the injected clock's).
pub fn run_due(env: &Env) -> Result<DueReport, AwsError> {
    let now = policies::epoch(env.clock.now());
    let mut report = DueReport::default();
    for id in due::due_entries(env, now, BATCH)? {
        let Some((_, space, name)) = due::parse_entry(&id) else {
            due::forget(env, &id)?;
            continue;
        };
        run_one(env, &id, space, name, now, &mut report)?;
    }
    Ok(report)
}

/// `acct/<account>/<region>` split into its account and region.
fn owner(space: &str) -> Option<(AccountId, Region)> {
    let rest = space.strip_prefix("acct/")?;
    let (account, region) = rest.split_once('/')?;
    Some((account.parse().ok()?, region.parse().ok()?))
}

fn run_one(
    env: &Env,
    id: &str,
    space: &str,
    name: &str,
    now: i64,
    report: &mut DueReport,
) -> Result<(), AwsError> {
    let (Some((account, region)), Some((mut parameter, stored))) =
        (owner(space), record::load(env, space, name)?)
    else {
        return due::forget(env, id);
    };
    if parameter.due_entry.as_deref() != Some(id) {
        return due::forget(env, id);
    }
    let arn = name::arn_in(
        env.partition.as_str(),
        region.as_str(),
        account.as_str(),
        name,
    );
    let kind = parameter
        .latest()
        .map(|v| v.kind.name())
        .unwrap_or_default();
    let subject = Subject {
        account: &account,
        region: &region,
        name,
        arn: &arn,
        kind,
    };
    let mut acted: Vec<(String, &'static str)> = Vec::new();
    let mut expired = false;
    for policy in parameter.policies.iter_mut() {
        if policy.due.is_none_or(|d| d > now) {
            continue;
        }
        policy.due = None;
        policy.view.status = FINISHED.to_owned();
        match policies::rule_of(policy) {
            Some(Rule::Expiration(_)) => {
                expired = true;
                acted.push((
                    policies::EXPIRATION.to_owned(),
                    "The parameter expired and was deleted by its Expiration policy.",
                ));
            }
            Some(Rule::ExpirationNotification(_)) => acted.push((
                policies::EXPIRATION_NOTIFICATION.to_owned(),
                "The parameter is about to expire, as its ExpirationNotification policy asked to be told.",
            )),
            Some(Rule::NoChangeNotification(_)) => acted.push((
                policies::NO_CHANGE_NOTIFICATION.to_owned(),
                "The parameter has not changed for the time its NoChangeNotification policy allows.",
            )),
            None => {}
        }
    }
    let batch = if expired {
        due::delete_batch(env, space, &parameter, stored)?
    } else {
        let batch = due::reschedule(Batch::new(), space, &mut parameter);
        batch.put_if(
            record::key(space, name),
            record::encode(&parameter)?,
            Expect::Version(stored),
        )
    };
    match env.store.commit(batch) {
        Ok(_) => {}
        Err(rampart_store::StoreError::Conflict { .. }) => return Ok(()),
        Err(e) => return Err(crate::errors::store_failure(e)),
    }
    for (policy_type, reason) in &acted {
        events::policy_action(env, &subject, policy_type, reason);
    }
    if expired {
        report.expired += 1;
        events::change(env, &subject, "Delete", None);
    }
    report.notified += acted.len() - usize::from(expired);
    Ok(())
}
