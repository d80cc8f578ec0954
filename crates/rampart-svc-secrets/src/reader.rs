//! The `SecretReader` port: other services (Parameter Store's `/aws/reference/secretsmanager/`)
//! read a secret for their caller. The read goes through this service's own GetSecretValue,
//! after the accesses its authorization table names for that call (the secret's resource
//! policy included) are decided for the caller by the request's guard: a forward access, as
//! AWS makes it (`aws:ViaAWSService` is true). DescribeSecret's answer comes with it, needing no permission of its own.

use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, SecretReader, SecretReading, SecretVersion};
use serde_json::{Value, json};

/// Secrets Manager as the other services see it.
pub struct Secrets {
    registry: Registry,
}

impl Secrets {
    /// The reader of a server (one per process).
    pub fn new() -> Secrets {
        let mut registry = Registry::new();
        crate::register(&mut registry);
        Secrets { registry }
    }

    fn run(&self, call: &Call<'_>, operation: &str, input: Value) -> Result<Value, AwsError> {
        let entry = self
            .registry
            .get("secretsmanager", operation)
            .ok_or_else(rampart_service::internal_error)?;
        (entry.handler)(call, input)
    }
}

impl Default for Secrets {
    fn default() -> Secrets {
        Secrets::new()
    }
}

impl SecretReader for Secrets {
    fn read(
        &self,
        call: &Call<'_>,
        secret_id: &str,
        version: SecretVersion<'_>,
    ) -> Result<SecretReading, AwsError> {
        let mut input = json!({ "SecretId": secret_id });
        match version {
            SecretVersion::Current => {}
            SecretVersion::Id(id) => input["VersionId"] = json!(id),
            SecretVersion::Stage(stage) => input["VersionStage"] = json!(stage),
        }
        let authorize = self
            .registry
            .authorizer("secretsmanager")
            .ok_or_else(rampart_service::internal_error)?;
        for access in authorize(call, "GetSecretValue", &input)? {
            call.guard
                .check(&access.with("aws:ViaAWSService", "true"))?;
        }
        let value = self.run(call, "GetSecretValue", input)?;
        let description = self.run(call, "DescribeSecret", json!({ "SecretId": secret_id }))?;
        Ok(SecretReading { value, description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{ok, world};
    use rampart_service::Access;

    /// A test world with an operation `probe:Read` that reads through the port, as Parameter
    /// Store does.
    fn probe_world() -> rampart_service::testkit::World {
        let (mut w, _) = world();
        let reader = Secrets::new();
        w.registry
            .register("probe", "Read", true, move |call, input| {
                let id = input["SecretId"].as_str().unwrap_or_default();
                let version = match input["Stage"].as_str() {
                    Some(stage) => SecretVersion::Stage(stage),
                    None => SecretVersion::Current,
                };
                let reading = reader.read(call, id, version)?;
                Ok(json!({"value": reading.value, "description": reading.description}))
            });
        w.registry.authorize("probe", |_, _, _| Ok(Vec::new()));
        w
    }

    #[test]
    fn secrets_are_read_for_the_caller_with_get_secret_value_checked() {
        let w = probe_world();
        let arn = ok(
            &w,
            "CreateSecret",
            json!({"Name": "db", "SecretString": "one"}),
        )["ARN"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(
            &w,
            "PutSecretValue",
            json!({"SecretId": "db", "SecretString": "two"}),
        );
        w.guard.take();
        let read = |input: Value| w.call_as(&w.root(), "probe", "Read", input);
        let out = read(json!({"SecretId": "db"})).unwrap();
        assert_eq!(out["value"]["SecretString"], "two");
        assert_eq!(out["value"]["ARN"], arn);
        assert_eq!(out["description"]["Name"], "db");
        assert!(out["description"].get("SecretString").is_none());
        let checked: Vec<Access> = w.guard.take();
        assert!(
            checked
                .iter()
                .any(|a| a.action == "secretsmanager:GetSecretValue"
                    && a.resource == arn
                    && a.context.contains("aws:ViaAWSService")),
            "{checked:?}"
        );
        let previous = read(json!({"SecretId": "db", "Stage": "AWSPREVIOUS"})).unwrap();
        assert_eq!(previous["value"]["SecretString"], "one");
        let missing = read(json!({"SecretId": "nope"})).unwrap_err();
        assert_eq!(missing.code, "ResourceNotFoundException");
        let reading = SecretReading {
            value: json!({"SecretString": "hunter2"}),
            description: json!({}),
        };
        assert!(!format!("{reading:?}").contains("hunter2"));
    }
}
