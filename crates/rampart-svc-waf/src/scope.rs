//! Scopes (`REGIONAL`, `CLOUDFRONT`), the kinds of stored entities, and their ARNs:
//! `arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>` (`global/...` for
//! CloudFront, which lives in us-east-1).

use crate::errors::{self, REASON_INVALID};
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_store::space;

/// Where an entity is used: regional resources, or CloudFront distributions (us-east-1 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `REGIONAL`.
    Regional,
    /// `CLOUDFRONT`.
    CloudFront,
}

/// The region CloudFront-scoped entities are managed in.
pub(crate) const CLOUDFRONT_REGION: &str = "us-east-1";

impl Scope {
    /// The scope of a request's `Scope` member; `CLOUDFRONT` only in us-east-1.
    pub(crate) fn parse(call: &Call<'_>, text: &str) -> Result<Scope, AwsError> {
        match text {
            "REGIONAL" => Ok(Scope::Regional),
            "CLOUDFRONT" if call.region.as_str() == CLOUDFRONT_REGION => Ok(Scope::CloudFront),
            _ => Err(errors::invalid("SCOPE_VALUE", text, REASON_INVALID)),
        }
    }

    /// The API spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Regional => "REGIONAL",
            Scope::CloudFront => "CLOUDFRONT",
        }
    }

    /// The ARN spelling.
    fn arn_part(self) -> &'static str {
        match self {
            Scope::Regional => "regional",
            Scope::CloudFront => "global",
        }
    }
}

/// The kinds of entity the service stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// IP sets.
    IpSet,
    /// Regex pattern sets.
    RegexPatternSet,
    /// Rule groups.
    RuleGroup,
    /// Web ACLs.
    WebAcl,
}

impl Kind {
    /// The ARN's resource type (`ipset`, `webacl`, ...).
    pub(crate) fn arn_part(self) -> &'static str {
        match self {
            Kind::IpSet => "ipset",
            Kind::RegexPatternSet => "regexpatternset",
            Kind::RuleGroup => "rulegroup",
            Kind::WebAcl => "webacl",
        }
    }

    /// The `ParameterExceptionField` naming an entity of this kind.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Kind::IpSet => "IP_SET",
            Kind::RegexPatternSet => "REGEX_PATTERN_SET",
            Kind::RuleGroup => "RULE_GROUP",
            Kind::WebAcl => "WEB_ACL",
        }
    }

    /// The store table of entities of this kind.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::IpSet => "wafv2.ipset",
            Kind::RegexPatternSet => "wafv2.regexpatternset",
            Kind::RuleGroup => "wafv2.rulegroup",
            Kind::WebAcl => "wafv2.webacl",
        }
    }

    /// The store table mapping `<scope>/<name>` to the entity's id (names are unique per scope).
    pub(crate) fn name_table(self) -> &'static str {
        match self {
            Kind::IpSet => "wafv2.ipset.name",
            Kind::RegexPatternSet => "wafv2.regexpatternset.name",
            Kind::RuleGroup => "wafv2.rulegroup.name",
            Kind::WebAcl => "wafv2.webacl.name",
        }
    }

    /// AWS's default quota of entities of this kind per account, region and scope.
    pub(crate) fn quota(self) -> usize {
        match self {
            Kind::RegexPatternSet => 10,
            Kind::IpSet | Kind::RuleGroup | Kind::WebAcl => 100,
        }
    }

    const ALL: [Kind; 4] = [
        Kind::IpSet,
        Kind::RegexPatternSet,
        Kind::RuleGroup,
        Kind::WebAcl,
    ];
}

/// Where one entity is: the pieces of its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// The owning account.
    pub account: String,
    /// Its region.
    pub region: String,
    /// Its scope.
    pub scope: Scope,
    /// What it is.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Its id.
    pub id: String,
}

impl Location {
    /// The entity `kind` named `name` with `id` in `scope`, in the caller's account and region.
    pub(crate) fn of_caller(
        call: &Call<'_>,
        scope: Scope,
        kind: Kind,
        name: &str,
        id: &str,
    ) -> Location {
        Location {
            account: call.principal.account.to_string(),
            region: call.region.to_string(),
            scope,
            kind,
            name: name.to_owned(),
            id: id.to_owned(),
        }
    }

    /// Reads an entity ARN of any kind; `None` when it is not one.
    pub(crate) fn parse_arn(arn: &str) -> Option<Location> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(_partition), Some("wafv2"), Some(region), Some(account), Some(res)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let mut res = res.split('/');
        let scope = match res.next()? {
            "regional" => Scope::Regional,
            "global" => Scope::CloudFront,
            _ => return None,
        };
        let kind_text = res.next()?;
        let kind = Kind::ALL.into_iter().find(|k| k.arn_part() == kind_text)?;
        let (name, id) = (res.next()?, res.next()?);
        if res.next().is_some() || name.is_empty() || id.is_empty() {
            return None;
        }
        Some(Location {
            account: account.to_owned(),
            region: region.to_owned(),
            scope,
            kind,
            name: name.to_owned(),
            id: id.to_owned(),
        })
    }

    /// Reads an ARN of `kind` that belongs to the caller's account and region; anything else is
    /// `WAFNonexistentItemException` (a foreign ARN) or `WAFInvalidParameterException` (not an ARN).
    pub(crate) fn caller_arn(call: &Call<'_>, arn: &str, kind: Kind) -> Result<Location, AwsError> {
        let loc = Location::parse_arn(arn)
            .filter(|l| l.kind == kind)
            .ok_or_else(|| errors::invalid("RESOURCE_ARN", arn, REASON_INVALID))?;
        loc.require_caller(call)?;
        Ok(loc)
    }

    /// `WAFNonexistentItemException` unless the entity is in the caller's account and region.
    pub(crate) fn require_caller(&self, call: &Call<'_>) -> Result<(), AwsError> {
        if self.account != call.principal.account.as_str() || self.region != call.region.as_str() {
            return Err(errors::nonexistent());
        }
        Ok(())
    }

    /// The ARN.
    pub(crate) fn arn(&self, call: &Call<'_>) -> String {
        format!(
            "arn:{}:wafv2:{}:{}:{}/{}/{}/{}",
            call.env.partition,
            self.region,
            self.account,
            self.scope.arn_part(),
            self.kind.arn_part(),
            self.name,
            self.id
        )
    }

    /// The store space of the entity.
    pub(crate) fn space(&self) -> String {
        format!("acct/{}/{}", self.account, self.region)
    }

    /// The entity's id in its table: `<SCOPE>/<id>`.
    pub(crate) fn key_id(&self) -> String {
        format!("{}/{}", self.scope.as_str(), self.id)
    }

    /// Its id in the name table: `<SCOPE>/<name>`.
    pub(crate) fn name_key_id(&self) -> String {
        format!("{}/{}", self.scope.as_str(), self.name)
    }
}

/// The caller's store space in the request's region.
pub(crate) fn caller_space(call: &Call<'_>) -> String {
    space::account_region(&call.principal.account, call.region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn entity_arns_read_back(
            account in "[0-9]{12}",
            region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
            global in any::<bool>(),
            kind in 0usize..4,
            name in "[A-Za-z0-9_-]{1,128}",
            id in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ) {
            let kind = Kind::ALL[kind];
            let scope = if global { "global" } else { "regional" };
            let arn = format!("arn:aws:wafv2:{region}:{account}:{scope}/{}/{name}/{id}", kind.arn_part());
            let loc = Location::parse_arn(&arn).unwrap();
            prop_assert_eq!(loc.kind, kind);
            prop_assert_eq!(loc.scope == Scope::CloudFront, global);
            prop_assert_eq!((loc.account, loc.region, loc.name, loc.id), (account, region, name, id));
        }

        #[test]
        fn any_text_is_read_without_panicking(text in ".{0,200}") {
            let _ = Location::parse_arn(&text);
            let _ = crate::associations::protected_resource(&text);
            let _ = crate::logging::valid_destination(&text);
        }
    }

    #[test]
    fn arns_read_back() {
        let l = Location::parse_arn(
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/my-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        )
        .unwrap();
        assert_eq!(l.kind, Kind::WebAcl);
        assert_eq!(l.scope, Scope::Regional);
        assert_eq!(l.name, "my-acl");
        assert_eq!(l.account, "123456789012");
        let g =
            Location::parse_arn("arn:aws:wafv2:us-east-1:123456789012:global/ipset/s/x").unwrap();
        assert_eq!((g.kind, g.scope), (Kind::IpSet, Scope::CloudFront));
        for bad in [
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/n",
            "arn:aws:wafv2:us-east-1:123456789012:regional/thing/n/i",
            "arn:aws:waf:us-east-1:123456789012:regional/webacl/n/i",
            "arn:aws:wafv2:us-east-1:123456789012:local/webacl/n/i",
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/n/i/x",
            "webacl/n/i",
        ] {
            assert!(Location::parse_arn(bad).is_none(), "{bad}");
        }
    }
}
