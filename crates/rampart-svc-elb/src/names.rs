//! The names of ELBv2 resources: ARNs, ids, DNS names, and where each lives in the store.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::Call;

/// The kinds of resource this crate owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `loadbalancer/app/<name>/<id>`.
    LoadBalancer,
    /// `targetgroup/<name>/<id>`.
    TargetGroup,
    /// `listener/app/<lb name>/<lb id>/<id>`.
    Listener,
    /// A listener rule: `listener-rule/app/<lb name>/<lb id>/<listener id>/<rule id>`.
    Rule,
}

/// A parsed ELBv2 ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub kind: Kind,
    pub partition: String,
    pub region: String,
    pub account: String,
    /// The load balancer's or target group's name; for a listener, its load balancer's.
    pub name: String,
    /// The 16-hex-digit id; for a listener, its load balancer's.
    pub id: String,
    /// A listener's own id.
    pub listener_id: Option<String>,
    pub rule_id: Option<String>,
}

impl Name {
    /// Parses `arn`, refusing anything that is not one of ours.
    pub fn parse(arn: &str) -> Option<Name> {
        let mut parts = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some("elasticloadbalancing"),
            Some(region),
            Some(account),
            Some(res),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || region.is_empty()
        {
            return None;
        }
        let segs: Vec<&str> = res.split('/').collect();
        let (kind, name, id, listener_id, rule_id) = match segs.as_slice() {
            ["loadbalancer", "app", name, id] => (Kind::LoadBalancer, *name, *id, None, None),
            ["targetgroup", name, id] => (Kind::TargetGroup, *name, *id, None, None),
            ["listener", "app", name, id, lid] if is_id(lid) => {
                (Kind::Listener, *name, *id, Some((*lid).to_owned()), None)
            }
            ["listener-rule", "app", name, id, lid, rid] if is_id(lid) && is_id(rid) => (
                Kind::Rule,
                *name,
                *id,
                Some((*lid).to_owned()),
                Some((*rid).to_owned()),
            ),
            _ => return None,
        };
        if !is_id(id) || name.is_empty() {
            return None;
        }
        Some(Name {
            kind,
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            name: name.to_owned(),
            id: id.to_owned(),
            listener_id,
            rule_id,
        })
    }

    /// The store space of the resource: `acct/<account>/<region>`.
    pub fn space(&self) -> String {
        format!("acct/{}/{}", self.account, self.region)
    }
}

fn is_id(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The store space of the caller's account and region.
pub(crate) fn space(call: &Call<'_>) -> String {
    format!("acct/{}/{}", call.principal.account, call.region)
}

/// The ARN prefix of the caller's account and region.
fn prefix(call: &Call<'_>) -> String {
    format!(
        "arn:{}:elasticloadbalancing:{}:{}",
        call.env.partition, call.region, call.principal.account
    )
}

/// A load balancer's ARN.
pub(crate) fn load_balancer_arn(call: &Call<'_>, name: &str, id: &str) -> String {
    format!("{}:loadbalancer/app/{name}/{id}", prefix(call))
}

/// A target group's ARN.
pub(crate) fn target_group_arn(call: &Call<'_>, name: &str, id: &str) -> String {
    format!("{}:targetgroup/{name}/{id}", prefix(call))
}

/// A listener's ARN under the load balancer `lb`.
pub(crate) fn listener_arn(lb: &Name, listener_id: &str) -> String {
    format!(
        "arn:{}:elasticloadbalancing:{}:{}:listener/app/{}/{}/{listener_id}",
        lb.partition, lb.region, lb.account, lb.name, lb.id
    )
}

/// The ARN of rule `rule_id` of the listener `listener` (a parsed listener ARN).
pub(crate) fn rule_arn(listener: &Name, rule_id: &str) -> String {
    format!(
        "arn:{}:elasticloadbalancing:{}:{}:listener-rule/app/{}/{}/{}/{rule_id}",
        listener.partition,
        listener.region,
        listener.account,
        listener.name,
        listener.id,
        listener.listener_id.as_deref().unwrap_or_default()
    )
}

/// The listener a rule (a parsed rule ARN) belongs to.
pub(crate) fn listener_of_rule(rule: &Name) -> Name {
    Name {
        kind: Kind::Listener,
        rule_id: None,
        ..rule.clone()
    }
}

/// A fresh 16-hex-digit resource id.
pub(crate) fn new_id() -> Result<String, AwsError> {
    let bytes: [u8; 8] = rampart_crypto::random_bytes().ok_or_else(errors::internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The DNS name AWS gives a load balancer: `[internal-]<name>-<10 digits>.<region>.elb.amazonaws.com`.
pub(crate) fn dns_name(name: &str, id: &str, internal: bool, region: &str) -> String {
    let number = u64::from_str_radix(&id[..id.len().min(12)], 16).unwrap_or(0) % 10_000_000_000;
    let prefix = if internal { "internal-" } else { "" };
    format!("{prefix}{name}-{number:010}.{region}.elb.amazonaws.com")
}

/// Whether `name` is a valid load balancer or target group name: 1-32 alphanumerics and
/// hyphens, not beginning or ending with a hyphen (and a load balancer's not with `internal-`).
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_kinds() {
        let lb = Name::parse(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188",
        )
        .unwrap();
        assert_eq!((lb.kind, lb.name.as_str()), (Kind::LoadBalancer, "my-lb"));
        let tg = Name::parse(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-tg/73e2d6bc24d8a067",
        )
        .unwrap();
        assert_eq!(tg.kind, Kind::TargetGroup);
        let l = Name::parse("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2").unwrap();
        assert_eq!(l.listener_id.as_deref(), Some("f2f7dc8efc522ab2"));
        assert_eq!(
            listener_arn(&lb, "f2f7dc8efc522ab2"),
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2"
        );
    }

    #[test]
    fn refuses_others() {
        for arn in [
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/my-lb/50dc6c495c0c9188",
            "arn:aws:elasticloadbalancing:us-east-1:1234:targetgroup/my-tg/73e2d6bc24d8a067",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-tg/xyz",
            "arn:aws:s3:::bucket",
        ] {
            assert!(Name::parse(arn).is_none(), "{arn}");
        }
    }

    #[test]
    fn dns_names_look_like_aws() {
        let d = dns_name("my-lb", "50dc6c495c0c9188", false, "us-east-1");
        assert!(d.starts_with("my-lb-") && d.ends_with(".us-east-1.elb.amazonaws.com"));
        assert_eq!(
            d.len(),
            "my-lb-".len() + 10 + ".us-east-1.elb.amazonaws.com".len()
        );
        assert!(dns_name("a", "50dc6c495c0c9188", true, "eu-west-1").starts_with("internal-a-"));
    }

    #[test]
    fn names() {
        assert!(valid_name("my-lb-1"));
        assert!(!valid_name("-x") && !valid_name("x-") && !valid_name("") && !valid_name("a_b"));
        assert!(!valid_name(&"a".repeat(33)));
    }
}
