//! AWS managed keys: the key `alias/aws/<service>` that KMS makes for a service the first time
//! the service needs it in an account and Region, with the key policy, description and yearly
//! rotation AWS gives it.
//!
//! Callers cannot change such a key: its policy allows the account only to describe and read
//! it (and revoke grants), and use goes through the service (`kms:ViaService`), so every
//! management operation is refused by the policy engine as in AWS.

use crate::errors;
use crate::key::{self, KeyRecord, KeyState};
use crate::resolve::key_arn;
use crate::rotation::{self, Rotation};
use crate::spec::Kind;
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_store::{Batch, Expect, StoreError};

/// How often AWS rotates an AWS managed key, in days.
const ROTATION_DAYS: i64 = 365;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// The alias of the AWS managed key of `service` (an endpoint prefix: `secretsmanager`).
pub(crate) fn alias(service: &str) -> String {
    format!("alias/aws/{service}")
}

/// The domain of service endpoints in `partition`, as `kms:ViaService` spells them.
pub(crate) fn dns_suffix(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

/// `kms:ViaService` for `service` in the call's Region: `<service>.<region>.amazonaws.com`.
pub(crate) fn via_service(call: &Call<'_>, service: &str) -> String {
    format!(
        "{service}.{}.{}",
        call.region,
        dns_suffix(call.env.partition.as_str())
    )
}

/// What AWS writes about a service's managed key: the service's name in the policy's
/// statement ids, the policy's `Id`, and the key's description.
struct Profile {
    name: String,
    policy_id: String,
    description: String,
}

fn profile(service: &str) -> Profile {
    match service {
        "secretsmanager" => Profile {
            name: "AWS Secrets Manager".to_owned(),
            policy_id: "auto-secretsmanager-2".to_owned(),
            description:
                "Default key that protects my Secrets Manager data when no other key is defined"
                    .to_owned(),
        },
        "ssm" => Profile {
            name: "SSM".to_owned(),
            policy_id: "auto-ssm-1".to_owned(),
            description: "Default key that protects my SSM parameters when no other key is defined"
                .to_owned(),
        },
        other => Profile {
            name: other.to_owned(),
            policy_id: format!("auto-{other}-1"),
            description: format!(
                "Default key that protects my {other} data when no other key is defined"
            ),
        },
    }
}

/// The key policy of `service`'s AWS managed key in `account`, as GetKeyPolicy returns it:
/// the account's principals may use the key through the service only, and the account may
/// read the key's metadata and revoke its grants. Secrets Manager's also lets GenerateDataKey
/// come through Secrets Manager in any Region.
pub(crate) fn policy(call: &Call<'_>, service: &str, account: &str) -> String {
    let Profile {
        name, policy_id, ..
    } = profile(service);
    let partition = call.env.partition.as_str();
    let via = via_service(call, service);
    let sid = format!(
        "Allow access through {name} for all principals in the account that are authorized to use {name}"
    );
    let metadata = format!(
        "{{\n    \"Sid\" : \"Allow direct access to key metadata to the account\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"arn:{partition}:iam::{account}:root\"\n    }},\n    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\", \"kms:RevokeGrant\" ],\n    \"Resource\" : \"*\"\n  }}"
    );
    let use_statement = |actions: &str, condition: String| {
        format!(
            "{{\n    \"Sid\" : \"{sid}\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"*\"\n    }},\n    \"Action\" : {actions},\n    \"Resource\" : \"*\",\n    \"Condition\" : {{\n{condition}\n    }}\n  }}"
        )
    };
    let statements = if service == "secretsmanager" {
        let any_region = format!("{service}.*.{}", dns_suffix(partition));
        vec![
            use_statement(
                "[ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:CreateGrant\", \"kms:DescribeKey\" ]",
                format!(
                    "      \"StringEquals\" : {{\n        \"kms:CallerAccount\" : \"{account}\",\n        \"kms:ViaService\" : \"{via}\"\n      }}"
                ),
            ),
            use_statement(
                "\"kms:GenerateDataKey*\"",
                format!(
                    "      \"StringEquals\" : {{\n        \"kms:CallerAccount\" : \"{account}\"\n      }},\n      \"StringLike\" : {{\n        \"kms:ViaService\" : \"{any_region}\"\n      }}"
                ),
            ),
            metadata,
        ]
    } else {
        vec![
            use_statement(
                "[ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:CreateGrant\", \"kms:DescribeKey\" ]",
                format!(
                    "      \"StringEquals\" : {{\n        \"kms:ViaService\" : \"{via}\",\n        \"kms:CallerAccount\" : \"{account}\"\n      }}"
                ),
            ),
            metadata,
        ]
    };
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"{policy_id}\",\n  \"Statement\" : [ {} ]\n}}",
        statements.join(", ")
    )
}

/// The id of `service`'s AWS managed key in the caller's account and Region, made now if it
/// does not exist yet (a concurrent maker's key wins a race).
pub(crate) fn key_id(call: &Call<'_>, service: &str) -> Result<String, AwsError> {
    let name = alias(service);
    for _ in 0..4 {
        if let Some(id) = crate::aliases::target_of(call, &name)? {
            return Ok(id);
        }
        let record = new_record(call, service)?;
        let (alias_key, alias_value) = crate::aliases::new_alias(call, &name, &record.key_id)?;
        let batch = Batch::new()
            .put_if(
                key::store_key(call, &record.key_id),
                key::encode(&record)?,
                Expect::Absent,
            )
            .put(rotation::index_key(call, &record.key_id), Vec::new())
            .put_if(alias_key, alias_value, Expect::Absent);
        match call.env.store.commit(batch) {
            Ok(_) => return Ok(record.key_id),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(errors::store_failure(e)),
        }
    }
    Err(errors::internal(
        "making an AWS managed key kept conflicting",
    ))
}

/// A fresh symmetric AWS managed key for `service` in the caller's account and Region.
fn new_record(call: &Call<'_>, service: &str) -> Result<KeyRecord, AwsError> {
    let key_id =
        rampart_crypto::random_uuid().ok_or_else(|| errors::internal("randomness failed"))?;
    let arn = key_arn(call, &key_id);
    let account = call.principal.account.to_string();
    let now = key::now(call);
    let material = crate::keys::new_material(Kind::Symmetric)?;
    Ok(KeyRecord {
        materials: vec![key::seal_bytes(call.env, &arn, 1, &material, now, None)?],
        policy: Some(policy(call, service, &account)),
        key_id,
        arn,
        account,
        creation_date: now,
        state: KeyState::Enabled,
        description: profile(service).description,
        key_usage: "ENCRYPT_DECRYPT".to_owned(),
        key_spec: "SYMMETRIC_DEFAULT".to_owned(),
        origin: "AWS_KMS".to_owned(),
        deletion_date: None,
        tags: Default::default(),
        grants: Vec::new(),
        import: None,
        rotation: Some(Rotation {
            period_days: ROTATION_DAYS,
            next: now + ROTATION_DAYS as f64 * SECONDS_PER_DAY,
        }),
        custom_key_store: None,
        multi_region: None,
        aws_managed: true,
    })
}
