//! Secret values and their versions: GetSecretValue, PutSecretValue, ListSecretVersionIds,
//! UpdateSecretVersionStage and BatchGetSecretValue, and the one way a version is added.

use crate::crypt::{self, Plain};
use crate::errors;
use crate::input::{self, text};
use crate::model::{self, CURRENT, PENDING, PREVIOUS, Secret, VersionMeta};
use crate::resolve::{Found, resolve};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::Expect;
use serde_json::{Map, Value, json};

/// The most labels one version may carry.
const MAX_STAGES: usize = 20;

pub(crate) fn register(registry: &mut Registry) {
    // Reads that note the day of access (one write per secret and day).
    // Reads run on the request's own thread: the access note below writes at most once a
    // day per version, so waiting for the disk is too rare to hand every read to the
    // blocking pool.
    registry.register("secretsmanager", "GetSecretValue", true, get_secret_value);
    registry.register("secretsmanager", "PutSecretValue", false, put_secret_value);
    registry.register(
        "secretsmanager",
        "ListSecretVersionIds",
        true,
        list_secret_version_ids,
    );
    registry.register(
        "secretsmanager",
        "UpdateSecretVersionStage",
        false,
        update_secret_version_stage,
    );
    registry.register(
        "secretsmanager",
        "BatchGetSecretValue",
        true,
        batch_get_secret_value,
    );
}

/// Checks staging labels: at most 20, each 1-256 characters.
pub(crate) fn check_stages(stages: &[String]) -> Result<(), AwsError> {
    if stages.len() > MAX_STAGES {
        return Err(errors::limit(
            "A version can have at most 20 staging labels.",
        ));
    }
    if stages
        .iter()
        .any(|s| !(1..=256).contains(&s.chars().count()))
    {
        return Err(errors::validation(
            "versionStages",
            "Member must have length between 1 and 256",
        ));
    }
    Ok(())
}

/// The stored value of version `version_id`, decrypted on the caller's behalf.
pub(crate) fn read_value(
    call: &Call<'_>,
    space: &str,
    secret: &Secret,
    version_id: &str,
) -> Result<Plain, AwsError> {
    let item = call
        .env
        .store
        .get(&model::value_key(space, &secret.arn, version_id))
        .map_err(errors::store)?
        .ok_or_else(|| errors::version_not_found(version_id))?;
    crypt::open(call, &secret.arn, version_id, &item.value)
}

/// Adds version `version_id` with `value` and `stages` to the secret `name` of `space`, as
/// one compare-and-swap with the version's value; the same token with the same value again
/// is a no-op, with another value `ResourceExistsException`. Returns the version's labels.
pub(crate) fn add_version(
    call: &Call<'_>,
    space: &str,
    name: &str,
    version_id: &str,
    value: &Plain,
    stages: &[String],
) -> Result<Vec<String>, AwsError> {
    let Some(stored) = model::load(call.env, space, name)? else {
        return Err(errors::secret_not_found());
    };
    let secret = stored.secret;
    if let Some(existing) = secret.versions.get(version_id) {
        return same_value(call, space, &secret, version_id, value)
            .map(|()| existing.stages.clone());
    }
    let (sealed, key_arn) = crypt::seal(
        call,
        &secret.arn,
        secret.kms_key_id.as_deref(),
        version_id,
        value,
    )?;
    let now = model::now_ms(call.env);
    let makes_current = stages.iter().any(|s| s == CURRENT);
    let (answer, abandoned) = model::update(call.env, space, name, |s, batch| {
        if let Some(existing) = s.versions.get(version_id) {
            same_value(call, space, s, version_id, value)?;
            return Ok((existing.stages.clone(), None));
        }
        // A new AWSCURRENT made by hand abandons an unfinished rotation, as in AWS.
        let abandoned = crate::rotation::unfinished(s).filter(|_| makes_current);
        if let Some(pending) = abandoned.as_ref().and_then(|p| s.versions.get_mut(p)) {
            pending.stages.retain(|x| x != PENDING);
        }
        let seq = s.next_seq;
        s.next_seq += 1;
        s.versions.insert(
            version_id.to_owned(),
            VersionMeta {
                stages: Vec::new(),
                created: now,
                seq,
                key_arn: key_arn.clone(),
                last_accessed: None,
            },
        );
        for stage in stages {
            s.move_stage(stage, version_id);
        }
        s.last_changed = now;
        let mut b = std::mem::take(batch).put_if(
            model::value_key(space, &s.arn, version_id),
            sealed.clone(),
            Expect::Absent,
        );
        for gone in s.purge_deprecated(now) {
            b = b.delete(model::value_key(space, &s.arn, &gone));
        }
        *batch = b;
        let stages = s
            .versions
            .get(version_id)
            .map(|v| v.stages.clone())
            .unwrap_or_default();
        Ok((stages, abandoned))
    })?;
    if let Some(pending) = abandoned {
        crate::events::emit(
            call,
            "RotationAbandoned",
            &secret.arn,
            serde_json::json!({"ClientRequestToken": pending}),
        );
    }
    crate::replication::sync(call, space, name)?;
    Ok(answer)
}

/// Re-encrypts the versions labelled AWSCURRENT, AWSPENDING or AWSPREVIOUS of the secret
/// `name` under its (changed) KMS key. As in AWS, a version whose value cannot be re-encrypted
/// (no permission on the new key) keeps its old encryption.
pub(crate) fn reencrypt(call: &Call<'_>, space: &str, name: &str) -> Result<(), AwsError> {
    let Some(stored) = model::load(call.env, space, name)? else {
        return Err(errors::secret_not_found());
    };
    let secret = stored.secret;
    let mut resealed = Vec::new();
    for (id, meta) in &secret.versions {
        if !meta
            .stages
            .iter()
            .any(|s| [CURRENT, PENDING, PREVIOUS].contains(&s.as_str()))
        {
            continue;
        }
        let Ok(plain) = read_value(call, space, &secret, id) else {
            continue;
        };
        if let Ok((sealed, key_arn)) =
            crypt::seal(call, &secret.arn, secret.kms_key_id.as_deref(), id, &plain)
        {
            resealed.push((id.clone(), sealed, key_arn));
        }
    }
    if resealed.is_empty() {
        return Ok(());
    }
    model::update(call.env, space, name, |s, batch| {
        let mut b = std::mem::take(batch);
        for (id, sealed, key_arn) in &resealed {
            if let Some(meta) = s.versions.get_mut(id) {
                meta.key_arn = key_arn.clone();
                b = b.put(model::value_key(space, &s.arn, id), sealed.clone());
            }
        }
        *batch = b;
        Ok(())
    })
}

fn same_value(
    call: &Call<'_>,
    space: &str,
    secret: &Secret,
    version_id: &str,
    value: &Plain,
) -> Result<(), AwsError> {
    if &read_value(call, space, secret, version_id)? == value {
        Ok(())
    } else {
        Err(errors::version_exists())
    }
}

/// The version a read names: `VersionId`, `VersionStage`, or AWSCURRENT.
pub(crate) fn pick<'s>(
    secret: &'s Secret,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> Result<(&'s str, &'s VersionMeta), AwsError> {
    match (version_id, stage) {
        (Some(id), stage) => {
            let (id, meta) = secret
                .versions
                .get_key_value(id)
                .ok_or_else(|| errors::version_not_found(id))?;
            if let Some(stage) = stage
                && !meta.stages.iter().any(|s| s == stage)
            {
                return Err(errors::invalid_request(
                    "You provided a VersionStage that is not associated to the provided VersionId.",
                ));
            }
            Ok((id.as_str(), meta))
        }
        (None, stage) => {
            let stage = stage.unwrap_or(CURRENT);
            let id = secret
                .version_with(stage)
                .ok_or_else(|| errors::stage_not_found(stage))?;
            secret
                .versions
                .get_key_value(id)
                .map(|(id, meta)| (id.as_str(), meta))
                .ok_or_else(|| errors::stage_not_found(stage))
        }
    }
}

/// GetSecretValue's answer for `found`.
pub(crate) fn value_answer(
    call: &Call<'_>,
    found: &Found,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> Result<Map<String, Value>, AwsError> {
    let secret = found.secret();
    secret.require_live()?;
    let (id, meta) = pick(secret, version_id, stage)?;
    let plain = read_value(call, &found.space, secret, id)?;
    note_access(call, &found.space, secret, id);
    let mut out = Map::new();
    out.insert("ARN".into(), secret.arn.clone().into());
    out.insert("Name".into(), secret.name.clone().into());
    out.insert("VersionId".into(), id.into());
    plain.write_to(&mut out);
    out.insert("VersionStages".into(), meta.stages.clone().into());
    out.insert("CreatedDate".into(), model::seconds(meta.created).into());
    Ok(out)
}

/// Records the day version `id` of `secret` was read (`LastAccessedDate`, at the day's
/// resolution as in AWS): a write at most once a day. A failure is logged, not returned.
fn note_access(call: &Call<'_>, space: &str, secret: &Secret, id: &str) {
    let today = model::day_of(model::now_ms(call.env));
    let seen = |d: Option<i64>| d == Some(today);
    if seen(secret.last_accessed)
        && secret
            .versions
            .get(id)
            .is_some_and(|v| seen(v.last_accessed))
    {
        return;
    }
    let noted = model::update(call.env, space, &secret.name, |s, _| {
        s.last_accessed = Some(today);
        if let Some(v) = s.versions.get_mut(id) {
            v.last_accessed = Some(today);
        }
        Ok(())
    });
    if let Err(e) = noted {
        tracing::warn!(error = %e.message, "secretsmanager: last access not recorded");
    }
}

fn get_secret_value(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    Ok(Value::Object(value_answer(
        call,
        &found,
        text(&input, "VersionId"),
        text(&input, "VersionStage"),
    )?))
}

fn put_secret_value(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret();
    secret.require_live()?;
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let value = input::value(&input)?.ok_or_else(|| {
        errors::invalid_parameter("You must provide either SecretString or SecretBinary.")
    })?;
    let token = input::token(&input)?;
    let stages = match input.get("VersionStages") {
        Some(_) => input::strings(&input, "VersionStages"),
        None => vec![CURRENT.to_owned()],
    };
    check_stages(&stages)?;
    let stages = add_version(call, &found.space, &secret.name, &token, &value, &stages)?;
    Ok(json!({
        "ARN": secret.arn,
        "Name": secret.name,
        "VersionId": token,
        "VersionStages": stages,
    }))
}

fn list_secret_version_ids(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret();
    let deprecated = input::flag(&input, "IncludeDeprecated").unwrap_or(false);
    let mut versions: Vec<(&String, &VersionMeta)> = secret
        .versions
        .iter()
        .filter(|(_, v)| deprecated || !v.stages.is_empty())
        .collect();
    versions.sort_by_key(|(_, v)| std::cmp::Reverse(v.seq));
    let entries: Vec<Value> = versions
        .into_iter()
        .map(|(id, v)| {
            let mut entry = json!({
                "VersionId": id,
                "VersionStages": v.stages,
                "CreatedDate": model::seconds(v.created),
                "KmsKeyIds": [v.key_arn],
            });
            if let Some(t) = v.last_accessed {
                entry["LastAccessedDate"] = model::seconds(t).into();
            }
            entry
        })
        .collect();
    let (page, next) = input::page(&input, &entries, 100)?;
    let mut out = json!({"Versions": page, "ARN": secret.arn, "Name": secret.name});
    if let Some(next) = next {
        out["NextToken"] = next.into();
    }
    Ok(out)
}

fn update_secret_version_stage(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let stage = input::required(&input, "VersionStage")?.to_owned();
    check_stages(std::slice::from_ref(&stage))?;
    let move_to = text(&input, "MoveToVersionId").map(str::to_owned);
    let remove_from = text(&input, "RemoveFromVersionId").map(str::to_owned);
    {
        let secret = found.secret();
        secret.require_live()?;
        if secret.is_replica(call.region.as_str()) {
            return Err(errors::replica_read_only());
        }
    }
    let now = model::now_ms(call.env);
    let name = found.secret().name.clone();
    model::update(call.env, &found.space, &name, |s, _| {
        let holder = s.version_with(&stage).map(str::to_owned);
        if let Some(from) = &remove_from {
            let meta = s
                .versions
                .get(from)
                .ok_or_else(|| errors::version_not_found(from))?;
            if !meta.stages.contains(&stage) {
                return Err(errors::invalid_parameter(format!(
                    "The staging label {stage} is not attached to version {from}."
                )));
            }
        }
        match &move_to {
            Some(to) => {
                if !s.versions.contains_key(to) {
                    return Err(errors::version_not_found(to));
                }
                if let Some(h) = &holder
                    && h != to
                    && remove_from.as_ref() != Some(h)
                {
                    return Err(errors::invalid_parameter(format!(
                        "The parameter RemoveFromVersionId can't be empty. Staging label {stage} is currently attached to version {h}, so you must explicitly reference that version in RemoveFromVersionId."
                    )));
                }
                s.move_stage(&stage, to);
                if s.versions
                    .get(to)
                    .is_some_and(|v| v.stages.len() > MAX_STAGES)
                {
                    return Err(errors::limit(
                        "A version can have at most 20 staging labels.",
                    ));
                }
            }
            None => {
                let Some(from) = &remove_from else {
                    return Err(errors::invalid_parameter(
                        "You must specify MoveToVersionId or RemoveFromVersionId.",
                    ));
                };
                if stage == CURRENT {
                    return Err(errors::invalid_parameter(
                        "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.",
                    ));
                }
                if let Some(v) = s.versions.get_mut(from) {
                    v.stages.retain(|x| x != &stage);
                }
            }
        }
        s.last_changed = now;
        Ok(())
    })?;
    crate::replication::sync(call, &found.space, &name)?;
    let secret = found.secret();
    Ok(json!({"ARN": secret.arn, "Name": secret.name}))
}

fn batch_get_secret_value(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let ids = input
        .get("SecretIdList")
        .map(|_| input::strings(&input, "SecretIdList"));
    let filters = input.get("Filters");
    let mut values = Vec::new();
    let mut failures = Vec::new();
    let mut next = None;
    let mut fetch = |id: &str, found: Result<Found, AwsError>| {
        let answer = found.and_then(|found| {
            call.guard.check(&crate::authz::secret_access(
                "secretsmanager:GetSecretValue",
                found.secret(),
            ))?;
            value_answer(call, &found, None, None)
        });
        match answer {
            Ok(v) => values.push(Value::Object(v)),
            Err(e) => failures.push(json!({
                "SecretId": id,
                "ErrorCode": e.code,
                "Message": e.message,
            })),
        }
    };
    match (ids, filters) {
        (Some(ids), None) => {
            if input.get("MaxResults").is_some() {
                return Err(errors::invalid_parameter(
                    "MaxResults can be used only with Filters.",
                ));
            }
            if ids.is_empty() || ids.len() > 20 {
                return Err(errors::validation(
                    "secretIdList",
                    "Member must have length between 1 and 20",
                ));
            }
            for id in &ids {
                fetch(id, resolve(call, id));
            }
        }
        (None, Some(_)) => {
            let secrets = crate::secrets::listed(call, &input, false)?;
            let (page, token) = input::page(&input, &secrets, 20)?;
            next = token;
            for secret in page {
                let found = crate::resolve::resolve(call, &secret.arn);
                fetch(&secret.arn, found);
            }
        }
        _ => {
            return Err(errors::invalid_parameter(
                "Either SecretIdList or Filters must be specified, but not both.",
            ));
        }
    }
    let mut out = json!({"SecretValues": values, "Errors": failures});
    if let Some(next) = next {
        out["NextToken"] = next.into();
    }
    Ok(out)
}
