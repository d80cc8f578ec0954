//! A handful of AWS's public parameters under `/aws/service/`: the global infrastructure
//! (regions and services) and Amazon Linux AMI aliases. They exist in every region, belong to
//! no account (their ARNs have an empty account field) and are readable by anyone whose
//! policies allow `ssm:GetParameter*` on them.

/// Where the public parameters live.
pub(crate) const PREFIX: &str = "/aws/service/";

/// When the public parameters were last modified (2024-01-01T00:00:00Z).
pub(crate) const MODIFIED: f64 = 1_704_067_200.0;

const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
];

const SERVICES: &[(&str, &str)] = &[
    ("iam", "AWS Identity and Access Management (IAM)"),
    ("kms", "AWS Key Management Service"),
    ("secretsmanager", "AWS Secrets Manager"),
    ("ssm", "AWS Systems Manager"),
    ("sts", "AWS Security Token Service"),
];

const AMI_ALIASES: &[&str] = &[
    "al2023-ami-kernel-default-x86_64",
    "al2023-ami-kernel-default-arm64",
    "amzn2-ami-hvm-x86_64-gp2",
];

/// One public parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Public {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its data type.
    pub data_type: &'static str,
}

/// Whether `name` is in the public namespace.
pub(crate) fn is_public(name: &str) -> bool {
    name.starts_with(PREFIX)
}

/// Every public parameter as seen from `region`, ordered by name.
pub(crate) fn all(region: &str) -> Vec<Public> {
    let text = |name: String, value: String| Public {
        name,
        value,
        data_type: "text",
    };
    let mut out = Vec::new();
    for (code, long) in REGIONS {
        let base = format!("{PREFIX}global-infrastructure/regions/{code}");
        out.push(text(base.clone(), (*code).to_owned()));
        out.push(text(format!("{base}/longName"), (*long).to_owned()));
        out.push(text(format!("{base}/partition"), "aws".to_owned()));
    }
    for (code, long) in SERVICES {
        let base = format!("{PREFIX}global-infrastructure/services/{code}");
        out.push(text(base.clone(), (*code).to_owned()));
        out.push(text(format!("{base}/longName"), (*long).to_owned()));
    }
    for alias in AMI_ALIASES {
        out.push(Public {
            name: format!("{PREFIX}ami-amazon-linux-latest/{alias}"),
            value: ami_id(region, alias),
            data_type: "aws:ec2:image",
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The public parameter `name` as seen from `region`.
pub(crate) fn lookup(region: &str, name: &str) -> Option<Public> {
    if !is_public(name) {
        return None;
    }
    all(region).into_iter().find(|p| p.name == name)
}

/// A stable AMI id per region and alias (FNV-1a of both), in AWS's 17-digit form.
fn ami_id(region: &str, alias: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in region.bytes().chain([b'|']).chain(alias.bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("ami-0{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_services_and_amis() {
        assert_eq!(
            lookup(
                "eu-west-1",
                "/aws/service/global-infrastructure/regions/us-east-1/longName"
            )
            .unwrap()
            .value,
            "US East (N. Virginia)"
        );
        let ami = lookup(
            "eu-west-1",
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        )
        .unwrap();
        assert!(crate::validate::is_ami_id(&ami.value), "{}", ami.value);
        assert_eq!(ami.data_type, "aws:ec2:image");
        let other = lookup(
            "us-east-1",
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        )
        .unwrap();
        assert_ne!(ami.value, other.value);
        assert!(lookup("us-east-1", "/aws/service/nothing").is_none());
        assert!(lookup("us-east-1", "/mine").is_none());
    }
}
