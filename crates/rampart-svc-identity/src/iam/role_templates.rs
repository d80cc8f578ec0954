//! Role templates (GetRoleTemplateVersion, AcquireRole). AWS services publish role templates
//! (`arn:aws:iam::aws:role-template/<service>/<name>:<major version>`); rampart hosts no AWS
//! service that publishes one, so every well-formed template ARN names nothing.

use super::entity::required;
use super::errors::{invalid_input, no_such_entity};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::Value;

/// The service principal, name and major version a role template ARN names.
pub(crate) fn parse_template_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, _partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if prefix != "arn" || service != "iam" || !region.is_empty() || account != "aws" {
        return None;
    }
    let rest = resource.strip_prefix("role-template/")?;
    let (principal, named) = rest.split_once('/')?;
    let (name, major) = named.rsplit_once(':')?;
    let fine = !principal.is_empty()
        && !name.is_empty()
        && !major.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit());
    fine.then_some((principal, name, major))
}

fn find_template(input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "TemplateArn", "templateArn")?;
    if parse_template_arn(arn).is_none() {
        return Err(invalid_input(format!("ARN {arn} is not valid.")));
    }
    Err(no_such_entity(format!(
        "The role template with ARN {arn} cannot be found."
    )))
}

fn get_version(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    find_template(&input)
}

fn acquire_role(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    find_template(&input)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "GetRoleTemplateVersion", true, get_version);
    registry.register("iam", "AcquireRole", false, acquire_role);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_arns_name_a_service_a_template_and_a_major_version() {
        assert_eq!(
            parse_template_arn("arn:aws:iam::aws:role-template/ec2.amazonaws.com/Web:1"),
            Some(("ec2.amazonaws.com", "Web", "1"))
        );
        for bad in [
            "arn:aws:iam::123456789012:role-template/ec2.amazonaws.com/Web:1",
            "arn:aws:iam::aws:role/Web",
            "arn:aws:iam::aws:role-template/ec2.amazonaws.com/Web",
            "arn:aws:iam::aws:role-template/Web:x",
        ] {
            assert_eq!(parse_template_arn(bad), None, "{bad}");
        }
        let known =
            json!({"TemplateArn": "arn:aws:iam::aws:role-template/ec2.amazonaws.com/Web:1"});
        assert_eq!(&*find_template(&known).unwrap_err().code, "NoSuchEntity");
        let bad = json!({"TemplateArn": "nope"});
        assert_eq!(&*find_template(&bad).unwrap_err().code, "InvalidInput");
    }

    use serde_json::json;
}
