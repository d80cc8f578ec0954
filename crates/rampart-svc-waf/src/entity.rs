//! Stored entities (IP sets, regex pattern sets, rule groups, web ACLs): what they share (name,
//! id, ARN, description, lock token, tags) and how they are created, read, changed under a lock
//! token, deleted and listed. Names are unique per kind and scope; every change gets a new
//! lock token, and a change with a stale one is `WAFOptimisticLockException`.

use crate::errors;
use crate::scope::{Kind, Location, Scope, caller_space};
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_store::{Batch, Expect, Item, Key, Scan, Store, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One stored entity with its kind-specific `body`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entity<T> {
    /// Its name.
    pub name: String,
    /// Its id (a UUID).
    pub id: String,
    /// Its ARN.
    pub arn: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The current lock token.
    pub lock_token: String,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// What the kind stores.
    pub body: T,
}

/// An entity read from the store, with where it is and the version it was read at.
#[derive(Debug, Clone)]
pub(crate) struct Loaded<T> {
    /// The entity.
    pub entity: Entity<T>,
    /// Where it is.
    pub loc: Location,
    /// The store version it was read at.
    pub version: u64,
}

/// What a create sets besides the definition.
#[derive(Debug, Clone, Default)]
pub(crate) struct About {
    /// The description.
    pub description: Option<String>,
    /// The tags.
    pub tags: BTreeMap<String, String>,
}

/// `batch` rewriting each of `touched` (entities a definition refers to, as read while
/// validating it) unchanged but only at the version read: a concurrent delete of one of them
/// then fails one of the two commits (the delete expects the version it read before looking
/// for references), so no definition refers to a deleted entity.
pub(crate) fn touching(batch: Batch, touched: &[Item]) -> Batch {
    touched.iter().fold(batch, |b, item| {
        b.put_if(
            item.key.clone(),
            item.value.clone(),
            Expect::Version(item.version),
        )
    })
}

/// A fresh UUID (ids and lock tokens).
pub(crate) fn new_uuid() -> Result<String, AwsError> {
    rampart_crypto::random_uuid().ok_or_else(errors::internal)
}

fn entity_key(loc: &Location) -> Key {
    Key::new(loc.space(), loc.kind.table(), loc.key_id())
}

fn name_key(loc: &Location) -> Key {
    Key::new(loc.space(), loc.kind.name_table(), loc.name_key_id())
}

fn encode<T: Serialize>(e: &Entity<T>) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(e).map_err(|_| errors::internal())
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<Entity<T>, AwsError> {
    serde_json::from_slice(bytes).map_err(|e| {
        tracing::error!(error = %e, "unreadable wafv2 record");
        errors::internal()
    })
}

/// Creates `kind` named `name` in `scope` (a new id, ARN and lock token); a name already
/// used in the scope is `WAFDuplicateItemException`, one more than the kind's quota
/// `WAFLimitsExceededException` (two concurrent creates may both pass the count).
pub(crate) fn create<T: Serialize>(
    call: &Call<'_>,
    scope: Scope,
    kind: Kind,
    name: &str,
    about: About,
    body: T,
    touched: &[Item],
) -> Result<Entity<T>, AwsError> {
    let existing = call
        .env
        .store
        .scan(
            &caller_space(call),
            kind.table(),
            &Scan::new(format!("{}/", scope.as_str()), kind.quota()),
        )
        .map_err(errors::store)?;
    if existing.len() >= kind.quota() {
        return Err(errors::limits(format!(
            "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit of {} {} objects per account and Region.",
            kind.quota(),
            kind.field()
        )));
    }
    let loc = Location::of_caller(call, scope, kind, name, &new_uuid()?);
    let entity = Entity {
        name: name.to_owned(),
        id: loc.id.clone(),
        arn: loc.arn(call),
        description: about.description,
        lock_token: new_uuid()?,
        tags: about.tags,
        body,
    };
    let names = name_key(&loc);
    let batch = touching(Batch::new(), touched)
        .put_if(names.clone(), loc.id.clone(), Expect::Absent)
        .put_if(entity_key(&loc), encode(&entity)?, Expect::Absent);
    match call.env.store.commit(batch) {
        Ok(_) => Ok(entity),
        Err(StoreError::Conflict { key }) if key == names => Err(errors::duplicate()),
        Err(StoreError::Conflict { .. }) => Err(errors::optimistic_lock()),
        Err(e) => Err(errors::store(e)),
    }
}

/// Reads the entity at `loc`; one that is absent or has another name is
/// `WAFNonexistentItemException`.
pub(crate) fn load<T: DeserializeOwned>(
    call: &Call<'_>,
    loc: Location,
) -> Result<Loaded<T>, AwsError> {
    loc.require_caller(call)?;
    let (entity, version) = read(call.env.store.as_ref(), &loc)?.ok_or_else(errors::nonexistent)?;
    Ok(Loaded {
        entity,
        loc,
        version,
    })
}

/// The entity at `loc` with its version, if there is one with that name.
pub(crate) fn read<T: DeserializeOwned>(
    store: &dyn Store,
    loc: &Location,
) -> Result<Option<(Entity<T>, u64)>, AwsError> {
    Ok(read_item(store, loc)?.map(|(e, item)| (e, item.version)))
}

/// The entity at `loc` with the stored item it was read from.
pub(crate) fn read_item<T: DeserializeOwned>(
    store: &dyn Store,
    loc: &Location,
) -> Result<Option<(Entity<T>, Item)>, AwsError> {
    let Some(item) = store.get(&entity_key(loc)).map_err(errors::store)? else {
        return Ok(None);
    };
    let entity: Entity<T> = decode(&item.value)?;
    Ok((entity.name == loc.name).then_some((entity, item)))
}

/// Reads the entity the request's `Name`, `Scope` and `Id` name.
pub(crate) fn load_named<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    scope: &str,
    name: &str,
    id: &str,
) -> Result<Loaded<T>, AwsError> {
    let scope = Scope::parse(call, scope)?;
    crate::input::name(name, kind.field())?;
    crate::input::uuid(id, kind.field())?;
    load(call, Location::of_caller(call, scope, kind, name, id))
}

/// What every Create* operation says besides the definition.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateHead {
    name: String,
    scope: String,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<crate::input::Tag>,
}

/// The name, scope and [`About`] a Create* operation of `kind` gives in `input`, checked.
pub(crate) fn create_head(
    call: &Call<'_>,
    kind: Kind,
    input: &serde_json::Value,
) -> Result<(String, Scope, About), AwsError> {
    let h: CreateHead = crate::input::read_ref(input, kind.field())?;
    let scope = Scope::parse(call, &h.scope)?;
    crate::input::name(&h.name, kind.field())?;
    crate::input::description(h.description.as_deref(), kind.field())?;
    let tags = crate::input::tags(&h.tags)?;
    let about = About {
        description: h.description,
        tags,
    };
    Ok((h.name, scope, about))
}

/// How Get* and Update* operations name an entity.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Named {
    name: String,
    scope: String,
    id: String,
}

/// Reads the entity of `kind` the `Name`, `Scope` and `Id` of `input` name.
pub(crate) fn load_from<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    input: &serde_json::Value,
) -> Result<Loaded<T>, AwsError> {
    let n: Named = crate::input::read_ref(input, kind.field())?;
    load_named(call, kind, &n.scope, &n.name, &n.id)
}

/// What an Update* operation says besides the entity and its definition.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Edit {
    /// The new description.
    pub description: Option<String>,
    /// The lock token the caller read.
    pub lock_token: String,
}

/// Reads an Update* operation's input: the entity of `kind` it names, loaded, and its edit.
pub(crate) fn load_for_update<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    input: &serde_json::Value,
) -> Result<(Loaded<T>, Edit), AwsError> {
    let edit: Edit = crate::input::read_ref(input, kind.field())?;
    crate::input::description(edit.description.as_deref(), kind.field())?;
    crate::input::uuid(&edit.lock_token, kind.field())?;
    Ok((load_from(call, kind, input)?, edit))
}

/// Gives a loaded entity a new definition `body` with `edit`'s description, under its lock
/// token, with the entities the definition refers to `touched` ([`touching`]); the Update*
/// operation's answer (`NextLockToken`).
pub(crate) fn redefine<T: Serialize>(
    call: &Call<'_>,
    loaded: Loaded<T>,
    edit: Edit,
    body: T,
    touched: &[Item],
) -> Result<serde_json::Value, AwsError> {
    let extra = touching(Batch::new(), touched);
    let next = save_with(call, loaded, Some(&edit.lock_token), extra, |e| {
        e.body = body;
        e.description = edit.description;
    })?;
    Ok(serde_json::json!({ "NextLockToken": next }))
}

/// How `GetWebACL` and `GetRuleGroup` name an entity: by ARN, or by `Name`, `Scope` and `Id`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ByArnOrName {
    pub name: Option<String>,
    pub scope: Option<String>,
    pub id: Option<String>,
    #[serde(rename = "ARN")]
    pub arn: Option<String>,
}

/// Reads the entity of `kind` that `by` names.
pub(crate) fn load_by<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    by: &ByArnOrName,
) -> Result<Loaded<T>, AwsError> {
    let (arn, scope, name, id) = (
        by.arn.as_deref(),
        by.scope.as_deref(),
        by.name.as_deref(),
        by.id.as_deref(),
    );
    match (arn, scope, name, id) {
        (Some(arn), _, _, _) => load(call, Location::caller_arn(call, arn, kind)?),
        (None, Some(scope), Some(name), Some(id)) => load_named(call, kind, scope, name, id),
        _ => Err(errors::invalid(
            kind.field(),
            "ARN",
            "You have used none or multiple values for a field that requires exactly one value.",
        )),
    }
}

/// Changes a loaded entity, with `extra` in the same commit: `lock_token` must be its current
/// one (`None`: no check), and nobody may have changed it since it was read. Returns the new
/// lock token.
pub(crate) fn save_with<T: Serialize>(
    call: &Call<'_>,
    loaded: Loaded<T>,
    lock_token: Option<&str>,
    extra: Batch,
    change: impl FnOnce(&mut Entity<T>),
) -> Result<String, AwsError> {
    write(call, loaded, lock_token, true, extra, change)
}

/// Changes what is not part of an entity's definition (its tags): the lock token stays.
pub(crate) fn retag<T: Serialize>(
    call: &Call<'_>,
    loaded: Loaded<T>,
    change: impl FnOnce(&mut Entity<T>),
) -> Result<(), AwsError> {
    write(call, loaded, None, false, Batch::new(), change).map(|_| ())
}

fn write<T: Serialize>(
    call: &Call<'_>,
    loaded: Loaded<T>,
    lock_token: Option<&str>,
    new_token: bool,
    extra: Batch,
    change: impl FnOnce(&mut Entity<T>),
) -> Result<String, AwsError> {
    let Loaded {
        mut entity,
        loc,
        version,
    } = loaded;
    if lock_token.is_some_and(|t| t != entity.lock_token) {
        return Err(errors::optimistic_lock());
    }
    change(&mut entity);
    if new_token {
        entity.lock_token = new_uuid()?;
    }
    let batch = extra.put_if(entity_key(&loc), encode(&entity)?, Expect::Version(version));
    match call.env.store.commit(batch) {
        Ok(_) => Ok(entity.lock_token),
        Err(StoreError::Conflict { .. }) => Err(errors::optimistic_lock()),
        Err(e) => Err(errors::store(e)),
    }
}

/// What every Delete* operation names: the entity and the lock token it was read with.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    name: String,
    scope: String,
    id: String,
    lock_token: String,
}

/// Reads a Delete* operation's input and loads the entity of `kind` it names; the entity and
/// the caller's lock token, for [`delete`].
pub(crate) fn load_for_delete<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    input: serde_json::Value,
) -> Result<(Loaded<T>, String), AwsError> {
    let i: DeleteInput = crate::input::read(input, kind.field())?;
    let loaded = load_named::<T>(call, kind, &i.scope, &i.name, &i.id)?;
    Ok((loaded, i.lock_token))
}

/// Deletes a loaded entity under its lock token, with `extra` in the same batch.
pub(crate) fn delete<T>(
    call: &Call<'_>,
    loaded: &Loaded<T>,
    lock_token: &str,
    extra: Batch,
) -> Result<(), AwsError> {
    if lock_token != loaded.entity.lock_token {
        return Err(errors::optimistic_lock());
    }
    let batch = extra
        .delete_if(entity_key(&loaded.loc), Expect::Version(loaded.version))
        .delete(name_key(&loaded.loc));
    match call.env.store.commit(batch) {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(errors::optimistic_lock()),
        Err(e) => Err(errors::store(e)),
    }
}

/// Every entity of `kind` in the store `space` (one account and region), any scope.
pub(crate) fn all_in<T: DeserializeOwned>(
    store: &dyn Store,
    space: &str,
    kind: Kind,
) -> Result<Vec<Entity<T>>, AwsError> {
    let items = store
        .scan(space, kind.table(), &Scan::all())
        .map_err(errors::store)?;
    items.iter().map(|i| decode(&i.value)).collect()
}

/// One page of `kind` in `scope`, after the `marker` of the previous page; the marker of
/// the next page when there is one.
pub(crate) fn page<T: DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    scope: Scope,
    limit: usize,
    marker: Option<&str>,
) -> Result<(Vec<Entity<T>>, Option<String>), AwsError> {
    let prefix = format!("{}/", scope.as_str());
    let mut scan = Scan::new(prefix.clone(), limit + 1);
    if let Some(m) = marker {
        scan = scan.after(format!("{prefix}{m}"));
    }
    let items = call
        .env
        .store
        .scan(&caller_space(call), kind.table(), &scan)
        .map_err(errors::store)?;
    let more = items.len() > limit;
    let entities = items
        .iter()
        .take(limit)
        .map(|i| decode(&i.value))
        .collect::<Result<Vec<Entity<T>>, _>>()?;
    let next = more
        .then(|| entities.last().map(|e| e.id.clone()))
        .flatten();
    Ok((entities, next))
}

/// The shape Get* answers: `Name`, `Id`, `ARN`, the kind's `members`, and `Description`
/// when there is one.
pub(crate) fn describe<T>(e: &Entity<T>, members: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({ "Name": e.name, "Id": e.id, "ARN": e.arn });
    if let (Some(o), serde_json::Value::Object(m)) = (v.as_object_mut(), members) {
        o.extend(m);
    }
    if let Some(d) = &e.description {
        v["Description"] = d.clone().into();
    }
    v
}

/// The summary every list and create response gives (`IPSetSummary`, `WebACLSummary`, ...).
pub(crate) fn summary<T>(e: &Entity<T>) -> serde_json::Value {
    let mut s = serde_json::json!({
        "Name": e.name,
        "Id": e.id,
        "LockToken": e.lock_token,
        "ARN": e.arn,
    });
    if let Some(d) = &e.description {
        s["Description"] = d.clone().into();
    }
    s
}
