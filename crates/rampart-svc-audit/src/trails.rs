//! Trails: CreateTrail, GetTrail, DescribeTrails, ListTrails, UpdateTrail, DeleteTrail,
//! StartLogging, StopLogging, GetTrailStatus, PutEventSelectors and GetEventSelectors.
//!
//! A trail lives in its home region; a multi-region trail also shows in every other region
//! as a "shadow" that can be read there but changed only at home. Until rampart serves S3, a
//! trail's `S3BucketName` names a folder under the data directory, created on demand.

use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds, from_input, internal_error};
use rampart_store::{Batch, Expect, Key, Scan, Store, StoreError, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const TABLE: &str = "cloudtrail.trail";
/// The accounts that have (or had) a trail, in the system space: where delivery looks for trails.
pub(crate) const ACCOUNT_TABLE: &str = "cloudtrail.trail-account";
/// Per trail and region delivery state (see `delivery`), in the account's space, id
/// `<homeRegion>/<name>/<region>`.
pub(crate) const DELIVERY_TABLE: &str = "cloudtrail.delivery";
/// AWS's quota: five trails per region.
const MAX_TRAILS_PER_REGION: usize = 5;
/// At most five event selectors per trail.
const MAX_EVENT_SELECTORS: usize = 5;

/// Where a trail's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailDestination {
    /// The S3 bucket (a folder under the data directory until rampart serves S3).
    pub bucket: String,
    /// The `S3KeyPrefix`, if any.
    pub prefix: Option<String>,
}

/// A stored trail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Trail {
    pub name: String,
    pub home_region: String,
    pub account: String,
    pub arn: String,
    pub s3_bucket_name: String,
    pub s3_key_prefix: Option<String>,
    pub sns_topic_name: Option<String>,
    pub include_global_service_events: bool,
    pub is_multi_region_trail: bool,
    pub log_file_validation_enabled: bool,
    pub cloud_watch_logs_log_group_arn: Option<String>,
    pub cloud_watch_logs_role_arn: Option<String>,
    pub kms_key_id: Option<String>,
    pub is_organization_trail: bool,
    pub event_selectors: Option<Value>,
    pub advanced_event_selectors: Option<Value>,
    pub tags: Vec<Value>,
    pub logging: bool,
    pub start_logging_time: Option<f64>,
    pub stop_logging_time: Option<f64>,
    pub latest_delivery_time: Option<f64>,
    pub latest_digest_delivery_time: Option<f64>,
}

impl Trail {
    /// The trail as DescribeTrails and GetTrail show it.
    fn describe(&self) -> Value {
        let mut v = json!({
            "Name": self.name,
            "S3BucketName": self.s3_bucket_name,
            "IncludeGlobalServiceEvents": self.include_global_service_events,
            "IsMultiRegionTrail": self.is_multi_region_trail,
            "HomeRegion": self.home_region,
            "TrailARN": self.arn,
            "LogFileValidationEnabled": self.log_file_validation_enabled,
            "HasCustomEventSelectors": self.event_selectors.is_some() || self.advanced_event_selectors.is_some(),
            "HasInsightSelectors": false,
            "IsOrganizationTrail": self.is_organization_trail,
        });
        self.add_optional(&mut v);
        v
    }

    /// The trail as CreateTrail and UpdateTrail answer.
    fn created(&self) -> Value {
        let mut v = json!({
            "Name": self.name,
            "S3BucketName": self.s3_bucket_name,
            "IncludeGlobalServiceEvents": self.include_global_service_events,
            "IsMultiRegionTrail": self.is_multi_region_trail,
            "TrailARN": self.arn,
            "LogFileValidationEnabled": self.log_file_validation_enabled,
            "IsOrganizationTrail": self.is_organization_trail,
        });
        self.add_optional(&mut v);
        v
    }

    fn add_optional(&self, v: &mut Value) {
        let optional = [
            ("S3KeyPrefix", &self.s3_key_prefix),
            ("SnsTopicName", &self.sns_topic_name),
            (
                "CloudWatchLogsLogGroupArn",
                &self.cloud_watch_logs_log_group_arn,
            ),
            ("CloudWatchLogsRoleArn", &self.cloud_watch_logs_role_arn),
            ("KmsKeyId", &self.kms_key_id),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                v[name] = Value::String(value.clone());
            }
        }
    }

    /// The event selectors in force: the default one (all management events) when none were put.
    fn selectors(&self) -> Value {
        match (&self.event_selectors, &self.advanced_event_selectors) {
            (_, Some(advanced)) => json!({ "AdvancedEventSelectors": advanced }),
            (Some(basic), None) => json!({ "EventSelectors": basic }),
            (None, None) => json!({ "EventSelectors": [default_selector()] }),
        }
    }
}

impl Trail {
    /// Whether the trail's event selectors record a management event from `event_source`
    /// that only reads (`read_only`) or writes. Data events are not delivered yet.
    pub(crate) fn records_management(&self, event_source: &str, read_only: bool) -> bool {
        match (&self.event_selectors, &self.advanced_event_selectors) {
            (_, Some(Value::Array(advanced))) => advanced
                .iter()
                .any(|s| advanced_selects(s, event_source, read_only)),
            (Some(Value::Array(basic)), None) => basic
                .iter()
                .any(|s| basic_selects(s, event_source, read_only)),
            _ => true,
        }
    }

    /// The id of this trail's delivery state for `region`.
    pub(crate) fn delivery_id(&self, region: &str) -> String {
        format!("{}/{}/{region}", self.home_region, self.name)
    }
}

/// A basic selector's management-event rule: `IncludeManagementEvents`, `ReadWriteType`
/// and `ExcludeManagementEventSources`.
fn basic_selects(selector: &Value, event_source: &str, read_only: bool) -> bool {
    let included = selector["IncludeManagementEvents"]
        .as_bool()
        .unwrap_or(true);
    let kind = match selector["ReadWriteType"].as_str().unwrap_or("All") {
        "ReadOnly" => read_only,
        "WriteOnly" => !read_only,
        _ => true,
    };
    let excluded = selector["ExcludeManagementEventSources"]
        .as_array()
        .is_some_and(|sources| sources.iter().any(|s| s.as_str() == Some(event_source)));
    included && kind && !excluded
}

/// An advanced selector selects management events when it has `eventCategory = Management`
/// and its `readOnly` and `eventSource` field selectors (if any) accept the event.
fn advanced_selects(selector: &Value, event_source: &str, read_only: bool) -> bool {
    let read_only = if read_only { "true" } else { "false" };
    let Some(fields) = selector["FieldSelectors"].as_array() else {
        return false;
    };
    let mut management = false;
    for field in fields {
        let listed = |name: &str, value: &str| {
            field[name]
                .as_array()
                .map(|vs| vs.iter().any(|v| v.as_str() == Some(value)))
        };
        let value = match field["Field"].as_str() {
            Some("eventCategory") => {
                management = listed("Equals", "Management") == Some(true);
                "Management"
            }
            Some("readOnly") => read_only,
            Some("eventSource") => event_source,
            _ => continue,
        };
        if listed("Equals", value) == Some(false) || listed("NotEquals", value) == Some(true) {
            return false;
        }
    }
    management
}

fn default_selector() -> Value {
    json!({
        "ReadWriteType": "All",
        "IncludeManagementEvents": true,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    })
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("cloudtrail", "CreateTrail", false, create_trail);
    registry.register("cloudtrail", "UpdateTrail", false, update_trail);
    registry.register("cloudtrail", "DeleteTrail", false, delete_trail);
    registry.register("cloudtrail", "GetTrail", true, get_trail);
    registry.register("cloudtrail", "DescribeTrails", true, describe_trails);
    registry.register("cloudtrail", "ListTrails", true, list_trails);
    registry.register("cloudtrail", "StartLogging", false, |c, i| {
        set_logging(c, i, true)
    });
    registry.register("cloudtrail", "StopLogging", false, |c, i| {
        set_logging(c, i, false)
    });
    registry.register("cloudtrail", "GetTrailStatus", true, get_trail_status);
    registry.register(
        "cloudtrail",
        "PutEventSelectors",
        false,
        put_event_selectors,
    );
    registry.register("cloudtrail", "GetEventSelectors", true, get_event_selectors);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrailSettings {
    name: String,
    s3_bucket_name: Option<String>,
    s3_key_prefix: Option<String>,
    sns_topic_name: Option<String>,
    include_global_service_events: Option<bool>,
    is_multi_region_trail: Option<bool>,
    enable_log_file_validation: Option<bool>,
    cloud_watch_logs_log_group_arn: Option<String>,
    cloud_watch_logs_role_arn: Option<String>,
    kms_key_id: Option<String>,
    is_organization_trail: Option<bool>,
    #[serde(default)]
    tags_list: Vec<Value>,
}

fn create_trail(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: TrailSettings = from_input(input, "InvalidParameterException")?;
    validate_trail_name(&input.name)?;
    let bucket = input
        .s3_bucket_name
        .clone()
        .ok_or_else(|| invalid("InvalidParameterException", "S3BucketName is required."))?;
    let account = call.principal.account.to_string();
    let region = call.region.to_string();
    let mut trail = Trail {
        arn: trail_arn(call, &region, &input.name),
        name: input.name.clone(),
        home_region: region.clone(),
        account,
        s3_bucket_name: String::new(),
        s3_key_prefix: None,
        sns_topic_name: None,
        include_global_service_events: true,
        is_multi_region_trail: false,
        log_file_validation_enabled: false,
        cloud_watch_logs_log_group_arn: None,
        cloud_watch_logs_role_arn: None,
        kms_key_id: None,
        is_organization_trail: false,
        event_selectors: None,
        advanced_event_selectors: None,
        tags: input.tags_list.clone(),
        logging: false,
        start_logging_time: None,
        stop_logging_time: None,
        latest_delivery_time: None,
        latest_digest_delivery_time: None,
    };
    trail.s3_bucket_name = bucket;
    apply_settings(&mut trail, &input)?;
    let existing = all_trails(call)?;
    if existing.iter().any(|t| {
        t.name == trail.name
            && (t.home_region == region || t.is_multi_region_trail || trail.is_multi_region_trail)
    }) {
        return Err(invalid(
            "TrailAlreadyExistsException",
            &format!(
                "Trail {} already exists for customer: {}",
                trail.name, trail.account
            ),
        ));
    }
    if existing.iter().filter(|t| t.home_region == region).count() >= MAX_TRAILS_PER_REGION {
        return Err(invalid(
            "MaximumNumberOfTrailsExceededException",
            &format!(
                "User: {} already has {MAX_TRAILS_PER_REGION} trails in {region}.",
                trail.account
            ),
        ));
    }
    save(call, &trail, Expect::Absent)?;
    Ok(trail.created())
}

fn update_trail(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: TrailSettings = from_input(input, "InvalidParameterException")?;
    let (mut trail, version) = find_at_home(call, &input.name)?;
    if let Some(bucket) = &input.s3_bucket_name {
        trail.s3_bucket_name = bucket.clone();
    }
    apply_settings(&mut trail, &input)?;
    save(call, &trail, Expect::Version(version))?;
    Ok(trail.created())
}

/// Applies the optional settings CreateTrail and UpdateTrail share, validating each.
fn apply_settings(trail: &mut Trail, input: &TrailSettings) -> Result<(), AwsError> {
    validate_bucket_name(&trail.s3_bucket_name)?;
    if let Some(prefix) = &input.s3_key_prefix {
        if prefix.len() > 200 {
            return Err(invalid(
                "InvalidS3PrefixException",
                "S3 prefix is longer than 200 characters.",
            ));
        }
        trail.s3_key_prefix = Some(prefix.clone()).filter(|p| !p.is_empty());
    }
    if let Some(topic) = &input.sns_topic_name {
        trail.sns_topic_name = Some(topic.clone()).filter(|t| !t.is_empty());
    }
    if let Some(v) = input.include_global_service_events {
        trail.include_global_service_events = v;
    }
    if let Some(v) = input.is_multi_region_trail {
        trail.is_multi_region_trail = v;
    }
    if trail.is_multi_region_trail && !trail.include_global_service_events {
        return Err(invalid(
            "InvalidParameterCombinationException",
            "Multi-Region trail must include global service events.",
        ));
    }
    if let Some(v) = input.enable_log_file_validation {
        trail.log_file_validation_enabled = v;
    }
    if let Some(v) = &input.cloud_watch_logs_log_group_arn {
        trail.cloud_watch_logs_log_group_arn = Some(v.clone()).filter(|s| !s.is_empty());
    }
    if let Some(v) = &input.cloud_watch_logs_role_arn {
        trail.cloud_watch_logs_role_arn = Some(v.clone()).filter(|s| !s.is_empty());
    }
    if let Some(v) = &input.kms_key_id {
        trail.kms_key_id = Some(v.clone()).filter(|s| !s.is_empty());
    }
    if let Some(v) = input.is_organization_trail {
        trail.is_organization_trail = v;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameInput {
    name: String,
}

fn delete_trail(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: NameInput = from_input(input, "InvalidParameterException")?;
    let (trail, version) = find_at_home(call, &input.name)?;
    let account_space = space::account(&call.principal.account);
    let states = call
        .env
        .store
        .scan(
            &account_space,
            DELIVERY_TABLE,
            &Scan::new(trail.delivery_id(""), usize::MAX),
        )
        .map_err(store_error)?;
    let mut batch = Batch::new().delete_if(
        trail_key(call, &trail.home_region, &trail.name),
        Expect::Version(version),
    );
    for state in states {
        batch = batch.delete(state.key);
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn get_trail(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: NameInput = from_input(input, "InvalidParameterException")?;
    let (trail, _) = find(call, &input.name)?;
    Ok(json!({ "Trail": trail.describe() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeInput {
    trail_name_list: Option<Vec<String>>,
    include_shadow_trails: Option<bool>,
}

fn describe_trails(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "InvalidParameterException")?;
    let include_shadows = input.include_shadow_trails.unwrap_or(true);
    let region = call.region.as_str();
    let visible: Vec<Trail> = all_trails(call)?
        .into_iter()
        .filter(|t| t.home_region == region || (include_shadows && t.is_multi_region_trail))
        .collect();
    let list = match input.trail_name_list.filter(|names| !names.is_empty()) {
        None => visible,
        Some(names) => visible
            .into_iter()
            .filter(|t| names.iter().any(|n| *n == t.name || *n == t.arn))
            .collect(),
    };
    Ok(json!({ "trailList": list.iter().map(Trail::describe).collect::<Vec<_>>() }))
}

fn list_trails(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let region = call.region.as_str();
    let trails: Vec<Value> = all_trails(call)?
        .into_iter()
        .filter(|t| t.home_region == region || t.is_multi_region_trail)
        .map(|t| json!({ "TrailARN": t.arn, "Name": t.name, "HomeRegion": t.home_region }))
        .collect();
    Ok(json!({ "Trails": trails }))
}

fn set_logging(call: &Call<'_>, input: Value, on: bool) -> Result<Value, AwsError> {
    let input: NameInput = from_input(input, "InvalidParameterException")?;
    let (mut trail, version) = find_at_home(call, &input.name)?;
    let now = epoch_seconds(call.env.clock.now());
    if on && !trail.logging {
        trail.start_logging_time = Some(now);
    }
    if !on && trail.logging {
        trail.stop_logging_time = Some(now);
    }
    trail.logging = on;
    save(call, &trail, Expect::Version(version))?;
    Ok(json!({}))
}

fn get_trail_status(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: NameInput = from_input(input, "InvalidParameterException")?;
    let (trail, _) = find(call, &input.name)?;
    let mut status = json!({ "IsLogging": trail.logging });
    let times = [
        (
            "StartLoggingTime",
            "TimeLoggingStarted",
            trail.start_logging_time,
        ),
        (
            "StopLoggingTime",
            "TimeLoggingStopped",
            trail.stop_logging_time,
        ),
        ("LatestDeliveryTime", "", trail.latest_delivery_time),
        (
            "LatestDigestDeliveryTime",
            "",
            trail.latest_digest_delivery_time,
        ),
    ];
    for (field, text_field, time) in times {
        if let Some(t) = time {
            status[field] = json!(t);
            if !text_field.is_empty() {
                status[text_field] = Value::String(iso_time(t));
            }
        }
    }
    Ok(status)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutSelectorsInput {
    trail_name: String,
    event_selectors: Option<Vec<Value>>,
    advanced_event_selectors: Option<Vec<Value>>,
}

fn put_event_selectors(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PutSelectorsInput = from_input(input, "InvalidParameterException")?;
    let (mut trail, version) = find_at_home(call, &input.trail_name)?;
    match (input.event_selectors, input.advanced_event_selectors) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(invalid(
                "InvalidParameterCombinationException",
                "Either EventSelectors or AdvancedEventSelectors must be specified, but not both.",
            ));
        }
        (Some(basic), None) => {
            validate_selectors(&basic)?;
            let basic: Vec<Value> = basic.into_iter().map(with_selector_defaults).collect();
            trail.event_selectors = Some(Value::Array(basic));
            trail.advanced_event_selectors = None;
        }
        (None, Some(advanced)) => {
            trail.advanced_event_selectors = Some(Value::Array(advanced));
            trail.event_selectors = None;
        }
    }
    save(call, &trail, Expect::Version(version))?;
    let mut out = trail.selectors();
    out["TrailARN"] = Value::String(trail.arn);
    Ok(out)
}

fn get_event_selectors(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PutSelectorsInput = from_input(input, "InvalidParameterException")?;
    let (trail, _) = find(call, &input.trail_name)?;
    let mut out = trail.selectors();
    out["TrailARN"] = Value::String(trail.arn);
    Ok(out)
}

fn validate_selectors(selectors: &[Value]) -> Result<(), AwsError> {
    if selectors.is_empty() || selectors.len() > MAX_EVENT_SELECTORS {
        return Err(invalid(
            "InvalidEventSelectorsException",
            "A trail can have 1 to 5 event selectors.",
        ));
    }
    for s in selectors {
        match s["ReadWriteType"].as_str() {
            None | Some("ReadOnly" | "WriteOnly" | "All") => {}
            Some(other) => {
                return Err(invalid(
                    "InvalidEventSelectorsException",
                    &format!("Invalid ReadWriteType: {other}"),
                ));
            }
        }
    }
    Ok(())
}

fn with_selector_defaults(mut s: Value) -> Value {
    let defaults = default_selector();
    if let (Some(obj), Some(def)) = (s.as_object_mut(), defaults.as_object()) {
        for (k, v) in def {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    s
}

/// Finds a trail by name or ARN from the caller's region, shadows included.
fn find(call: &Call<'_>, name_or_arn: &str) -> Result<(Trail, u64), AwsError> {
    let region = call.region.as_str();
    let (wanted_region, name) = match parse_trail_arn(name_or_arn) {
        Some((arn_region, account, name)) => {
            if account != call.principal.account.as_str() {
                return Err(not_found(call, name_or_arn));
            }
            (Some(arn_region), name)
        }
        None => {
            validate_trail_name(name_or_arn)?;
            (None, name_or_arn.to_owned())
        }
    };
    let candidates = all_trails_versioned(call)?;
    let found = candidates.into_iter().find(|(t, _)| {
        t.name == name
            && wanted_region.as_deref().is_none_or(|r| r == t.home_region)
            && (t.home_region == region || t.is_multi_region_trail)
    });
    found.ok_or_else(|| not_found(call, name_or_arn))
}

/// Like [`find`], but the caller must be in the trail's home region to change it.
fn find_at_home(call: &Call<'_>, name_or_arn: &str) -> Result<(Trail, u64), AwsError> {
    let (trail, version) = find(call, name_or_arn)?;
    if trail.home_region != call.region.as_str() {
        return Err(invalid(
            "InvalidHomeRegionException",
            &format!(
                "This operation must be called from the trail's home region: {}",
                trail.home_region
            ),
        ));
    }
    Ok((trail, version))
}

pub(crate) fn all_trails(call: &Call<'_>) -> Result<Vec<Trail>, AwsError> {
    Ok(all_trails_versioned(call)?
        .into_iter()
        .map(|(t, _)| t)
        .collect())
}

fn all_trails_versioned(call: &Call<'_>) -> Result<Vec<(Trail, u64)>, AwsError> {
    trails_of(call.env.store.as_ref(), &call.principal.account).map_err(store_error)
}

/// Every trail of `account`, each with its stored version.
pub(crate) fn trails_of(
    store: &dyn Store,
    account: &AccountId,
) -> Result<Vec<(Trail, u64)>, StoreError> {
    let items = store.scan(&space::account(account), TABLE, &Scan::all())?;
    items
        .into_iter()
        .map(|item| {
            serde_json::from_slice::<Trail>(&item.value)
                .map(|t| (t, item.version))
                .map_err(|e| StoreError::Corrupt(format!("trail record: {e}")))
        })
        .collect()
}

/// The stored trail with `arn`, wherever its account: what the offline validator needs.
pub(crate) fn trail_by_arn(store: &dyn Store, arn: &str) -> Result<Option<Trail>, StoreError> {
    let Some((region, account, name)) = parse_trail_arn(arn) else {
        return Ok(None);
    };
    let Ok(account) = account.parse::<AccountId>() else {
        return Ok(None);
    };
    let key = Key::new(space::account(&account), TABLE, format!("{region}/{name}"));
    match store.get(&key)? {
        Some(item) => serde_json::from_slice(&item.value)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("trail record: {e}"))),
        None => Ok(None),
    }
}

/// Saves `trail` if its stored version is still `version`.
pub(crate) fn save_in(
    store: &dyn Store,
    trail: &Trail,
    version: u64,
    also: Batch,
) -> Result<(), StoreError> {
    let account: AccountId = trail
        .account
        .parse()
        .map_err(|_| StoreError::Corrupt("trail account".into()))?;
    let value = serde_json::to_vec(trail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let key = Key::new(
        space::account(&account),
        TABLE,
        format!("{}/{}", trail.home_region, trail.name),
    );
    store
        .commit(also.put_if(key, value, Expect::Version(version)))
        .map(|_| ())
}

fn save(call: &Call<'_>, trail: &Trail, expect: Expect) -> Result<(), AwsError> {
    let value = serde_json::to_vec(trail).map_err(|_| internal_error())?;
    call.env
        .store
        .commit(
            Batch::new()
                .put_if(
                    trail_key(call, &trail.home_region, &trail.name),
                    value,
                    expect,
                )
                .put(
                    Key::new(
                        space::SYSTEM,
                        ACCOUNT_TABLE,
                        call.principal.account.as_str(),
                    ),
                    Vec::new(),
                ),
        )
        .map_err(|e| match e {
            rampart_store::StoreError::Conflict { .. } if expect == Expect::Absent => invalid(
                "TrailAlreadyExistsException",
                &format!(
                    "Trail {} already exists for customer: {}",
                    trail.name, trail.account
                ),
            ),
            rampart_store::StoreError::Conflict { .. } => invalid(
                "ConflictException",
                "The trail was changed by another request; try again.",
            ),
            other => store_error(other),
        })?;
    Ok(())
}

fn trail_key(call: &Call<'_>, home_region: &str, name: &str) -> Key {
    Key::new(
        space::account(&call.principal.account),
        TABLE,
        format!("{home_region}/{name}"),
    )
}

fn trail_arn(call: &Call<'_>, region: &str, name: &str) -> String {
    format!(
        "arn:{}:cloudtrail:{region}:{}:trail/{name}",
        call.env.partition, call.principal.account
    )
}

/// The ARN a request naming `name_or_arn` acts on: the ARN itself, else the trail's as seen
/// from the caller's region (its real home region when it exists), else the one it would have.
pub(crate) fn resource_arn(call: &Call<'_>, name_or_arn: &str) -> String {
    if parse_trail_arn(name_or_arn).is_some() {
        return name_or_arn.to_owned();
    }
    match find(call, name_or_arn) {
        Ok((trail, _)) => trail.arn,
        Err(_) => trail_arn(call, call.region.as_str(), name_or_arn),
    }
}

/// `arn:partition:cloudtrail:region:account:trail/name` → (region, account, name).
fn parse_trail_arn(text: &str) -> Option<(String, String, String)> {
    let arn: rampart_types::Arn = text.parse().ok()?;
    let name = arn.resource.strip_prefix("trail/")?;
    (arn.service == "cloudtrail")
        .then(|| (arn.region.clone(), arn.account.clone(), name.to_owned()))
}

/// AWS's trail name rules: 3 to 128 characters of letters, digits, `.`, `_` and `-`; starting
/// and ending with a letter or digit; no adjacent punctuation; not shaped like an IP address.
pub(crate) fn validate_trail_name(name: &str) -> Result<(), AwsError> {
    let fail = |why: &str| Err(invalid("InvalidTrailNameException", why));
    if name.len() < 3 {
        return fail(&format!(
            "Trail name too short. Minimum allowed length: 3 characters. Specified name length: {} characters.",
            name.len()
        ));
    }
    if name.len() > 128 {
        return fail(&format!(
            "Trail name too long. Maximum allowed length: 128 characters. Specified name length: {} characters.",
            name.len()
        ));
    }
    let bytes = name.as_bytes();
    let punct = |b: u8| matches!(b, b'.' | b'_' | b'-');
    if !bytes.iter().all(|&b| b.is_ascii_alphanumeric() || punct(b)) {
        return fail(
            "Trail name must only contain letters, numbers, periods (.), underscores (_), or dashes (-).",
        );
    }
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return fail("Trail name must start and end with a letter or number.");
    }
    if bytes.windows(2).any(|w| punct(w[0]) && punct(w[1])) {
        return fail("Trail name cannot have adjacent periods, underscores or dashes.");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return fail("Trail name cannot be in an IP address format.");
    }
    Ok(())
}

/// S3's bucket naming rules (the trail's folder is named after the bucket).
fn validate_bucket_name(name: &str) -> Result<(), AwsError> {
    let bytes = name.as_bytes();
    let ok = (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err();
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "InvalidS3BucketNameException",
            &format!("Bucket name {name} is not valid."),
        ))
    }
}

fn not_found(call: &Call<'_>, name_or_arn: &str) -> AwsError {
    let arn = if name_or_arn.starts_with("arn:") {
        name_or_arn.to_owned()
    } else {
        trail_arn(call, call.region.as_str(), name_or_arn)
    };
    invalid(
        "TrailNotFoundException",
        &format!(
            "Unknown trail: {arn} for the user: {}",
            call.principal.account
        ),
    )
}

fn invalid(code: &'static str, message: &str) -> AwsError {
    AwsError::new(code, 400, message)
}

fn store_error(e: rampart_store::StoreError) -> AwsError {
    tracing::error!(error = %e, "trail store failure");
    internal_error()
}

fn iso_time(seconds: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_names_follow_aws_rules() {
        for good in ["abc", "my-trail_1.x", "A1b"] {
            assert!(validate_trail_name(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "a--b",
            "a._b",
            "a b c",
            "192.168.5.4",
            &"x".repeat(129),
        ] {
            let e = validate_trail_name(bad).unwrap_err();
            assert_eq!(e.code, "InvalidTrailNameException", "{bad}");
        }
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(validate_bucket_name("my-trail-bucket").is_ok());
        for bad in ["ab", "Upper", "a..b", "-ab", "10.0.0.1"] {
            assert!(validate_bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trail_arns_parse() {
        assert_eq!(
            parse_trail_arn("arn:aws:cloudtrail:us-east-1:123456789012:trail/t1"),
            Some(("us-east-1".into(), "123456789012".into(), "t1".into()))
        );
        assert_eq!(parse_trail_arn("t1"), None);
    }
}
