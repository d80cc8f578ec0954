//! Finding a secret by what callers call it: its name, its full ARN or a partial ARN (the ARN
//! without the six random characters). An ARN may name a secret of another account, whose
//! resource policy then decides.

use crate::errors;
use crate::model::{self, Stored};
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_store::space;
use rampart_types::{AccountId, Arn, Region};

/// A secret found, with the space it lives in.
pub(crate) struct Found {
    pub space: String,
    pub stored: Stored,
}

impl Found {
    /// The secret's record.
    pub fn secret(&self) -> &model::Secret {
        &self.stored.secret
    }
}

/// A name to read, and the exact ARN the secret must have when the id was a full ARN.
type Candidate = (String, Option<String>);

/// Where `secret_id` points: a space and the candidates to read there.
fn locate(call: &Call<'_>, secret_id: &str) -> Option<(String, Vec<Candidate>)> {
    if !secret_id.starts_with("arn:") {
        return Some((model::own_space(call), vec![(secret_id.to_owned(), None)]));
    }
    let arn: Arn = secret_id.parse().ok()?;
    if arn.service != "secretsmanager" || arn.partition != call.env.partition.as_str() {
        return None;
    }
    let rest = arn.resource.strip_prefix("secret:")?;
    let account: AccountId = arn.account.parse().ok()?;
    let region: Region = arn.region.parse().ok()?;
    let mut candidates = Vec::new();
    if rest.len() > 7 && rest.is_char_boundary(rest.len() - 7) {
        let (name, suffix) = rest.split_at(rest.len() - 7);
        if suffix.starts_with('-') {
            candidates.push((name.to_owned(), Some(secret_id.to_owned())));
        }
    }
    candidates.push((rest.to_owned(), None));
    Some((space::account_region(&account, &region), candidates))
}

/// The secret `secret_id` names, if it exists.
pub(crate) fn find(call: &Call<'_>, secret_id: &str) -> Result<Option<Found>, AwsError> {
    let Some((space, candidates)) = locate(call, secret_id) else {
        return Ok(None);
    };
    for (name, exact) in candidates {
        if let Some(stored) = model::load(call.env, &space, &name)? {
            let fits = match &exact {
                Some(arn) => &stored.secret.arn == arn,
                None => {
                    !secret_id.starts_with("arn:")
                        || stored.secret.arn.starts_with(&format!("{secret_id}-"))
                }
            };
            if fits {
                return Ok(Some(Found { space, stored }));
            }
        }
    }
    Ok(None)
}

/// The secret `secret_id` names, or `ResourceNotFoundException`.
pub(crate) fn resolve(call: &Call<'_>, secret_id: &str) -> Result<Found, AwsError> {
    if secret_id.is_empty() {
        return Err(errors::invalid_parameter("You must provide a SecretId."));
    }
    find(call, secret_id)?.ok_or_else(errors::secret_not_found)
}

/// The ARN an access to a secret that does not exist is asked on: the id itself when it is
/// an ARN, else the name's partial ARN in the caller's account and region.
pub(crate) fn partial_arn(call: &Call<'_>, secret_id: &str) -> String {
    if secret_id.starts_with("arn:") {
        secret_id.to_owned()
    } else {
        format!(
            "arn:{}:secretsmanager:{}:{}:secret:{secret_id}",
            call.env.partition, call.region, call.principal.account
        )
    }
}
