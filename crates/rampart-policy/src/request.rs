//! One authorization question: who, which action, on which resource, in which context.

use crate::context::Context;
use crate::keyhash::Key;
use crate::principal::Principal;
use crate::resource::RequestResource;

/// An authorization request. Build it once per check; the engine only reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The caller.
    pub principal: Principal,
    /// Condition keys (global and service keys, time values included).
    pub context: Context,
    action: String,
    /// Lower-cased, hashed service prefix.
    service: Key,
    /// Byte offset of the action name in `action`.
    name_at: usize,
    resource: RequestResource,
    resource_account: Option<String>,
    principal_id: Option<String>,
}

impl Request {
    /// A request for `action` (`service:Operation`) on `resource` (a full ARN, or `*` for
    /// actions without resource-level permissions), with an empty context.
    pub fn new(principal: Principal, action: &str, resource: &str) -> Request {
        let (service, name_at) = match action.split_once(':') {
            Some((s, _)) => (Key::new(s), s.len() + 1),
            None => (Key::new(""), action.len()),
        };
        Request {
            principal,
            context: Context::new(),
            action: action.to_owned(),
            service,
            name_at,
            resource: RequestResource::new(resource),
            resource_account: None,
            principal_id: None,
        }
    }

    /// Sets the context.
    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }

    /// Sets the account that owns the resource (needed when the ARN has no account field,
    /// as for S3). Defaults to the ARN's account, else the principal's account.
    pub fn with_resource_account(mut self, account: impl Into<String>) -> Request {
        self.resource_account = Some(account.into());
        self
    }

    /// Sets the unique id of the caller's IAM entity: the user's `AIDA…` id, the role's
    /// `AROA…` id for a role session, the parent user's id for a federated session. Stored
    /// policies whose Principal names that id then match (IAM replaces user and role ARNs
    /// by unique ids when it saves a trust or resource policy).
    pub fn with_principal_id(mut self, id: impl Into<String>) -> Request {
        self.principal_id = Some(id.into());
        self
    }

    /// Fills the principal-derived global keys missing from the context
    /// ([`Principal::derive_context`]) and `aws:userid` from the unique id when set: the
    /// user's id, or `role-id:session-name` for a role session.
    pub fn derive_context(&mut self) {
        self.principal.derive_context(&mut self.context);
        let userid = match (&self.principal, &self.principal_id) {
            (Principal::User { .. }, Some(id)) => Some(id.clone()),
            (Principal::AssumedRole { session_arn, .. }, Some(id)) => {
                let session = session_arn.rsplit('/').next().unwrap_or_default();
                Some(format!("{id}:{session}"))
            }
            _ => None,
        };
        if let Some(userid) = userid.filter(|_| !self.context.contains("aws:userid")) {
            self.context.set("aws:userid", userid);
        }
    }

    /// The caller's unique id, if set.
    pub fn principal_id(&self) -> Option<&str> {
        self.principal_id.as_deref()
    }

    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource as given.
    pub fn resource_str(&self) -> &str {
        self.resource.as_str()
    }

    pub(crate) fn resource(&self) -> &RequestResource {
        &self.resource
    }

    /// The hashed service prefix.
    pub(crate) fn service_key(&self) -> &Key {
        &self.service
    }

    /// (lower-cased service prefix, action name).
    pub(crate) fn action_parts(&self) -> (&str, &str) {
        (self.service.as_str(), &self.action[self.name_at..])
    }

    /// The account owning the resource: explicit, else the ARN's account field, else the
    /// principal's account (also for AWS-owned resources such as `arn:aws:iam::aws:policy/X`).
    pub fn resource_account(&self) -> Option<&str> {
        if let Some(a) = &self.resource_account {
            return Some(a);
        }
        let arn_account = self
            .resource
            .as_str()
            .split(':')
            .nth(4)
            .filter(|a| !a.is_empty() && *a != "aws");
        arn_account.or_else(|| self.principal.account())
    }
}
