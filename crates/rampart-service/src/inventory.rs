//! Resources one service discovers in another's store: Firewall Manager finds the load
//! balancers its policies protect through [`ResourceInventory`], which the service that owns
//! them (ELBv2) implements, so neither crate depends on the other.

use crate::Env;
use rampart_protocol::AwsError;
use rampart_types::{AccountId, Region};

/// The CloudFormation type name of application load balancers, as policies name it.
pub const LOAD_BALANCER_TYPE: &str = "AWS::ElasticLoadBalancingV2::LoadBalancer";

/// One discovered resource: its ARN and its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The resource's ARN.
    pub arn: String,
    /// Its tags, as (key, value) pairs; a tag without a value has an empty one.
    pub tags: Vec<(String, String)>,
}

/// Lists the resources of a type that exist in an account and region.
pub trait ResourceInventory: Send + Sync {
    /// The resources of `resource_type` (a CloudFormation type name such as
    /// [`LOAD_BALANCER_TYPE`]) in `account`'s `region`; empty for a type the implementation
    /// does not know.
    fn list(
        &self,
        env: &Env,
        resource_type: &str,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<Resource>, AwsError>;
}

/// An inventory that knows no resources (tests, and servers without ELBv2).
pub struct NoInventory;

impl ResourceInventory for NoInventory {
    fn list(
        &self,
        _env: &Env,
        _resource_type: &str,
        _account: &AccountId,
        _region: &Region,
    ) -> Result<Vec<Resource>, AwsError> {
        Ok(Vec::new())
    }
}
