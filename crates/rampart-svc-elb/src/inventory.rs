//! ELBv2's side of the [`ResourceInventory`] port: the application load balancers of an
//! account and region with their tags, for Firewall Manager.

use crate::records::{self, LOAD_BALANCERS, LoadBalancer};
use rampart_protocol::AwsError;
use rampart_service::{Env, LOAD_BALANCER_TYPE, Resource, ResourceInventory};
use rampart_store::space;
use rampart_types::{AccountId, Region};

/// The load balancers ELBv2 stores, as an inventory.
pub struct LoadBalancerInventory;

impl ResourceInventory for LoadBalancerInventory {
    fn list(
        &self,
        env: &Env,
        resource_type: &str,
        account: &AccountId,
        region: &Region,
    ) -> Result<Vec<Resource>, AwsError> {
        if resource_type != LOAD_BALANCER_TYPE {
            return Ok(Vec::new());
        }
        let space = space::account_region(account, region);
        let mut out: Vec<Resource> =
            records::list::<LoadBalancer>(env.store.as_ref(), &space, LOAD_BALANCERS)?
                .into_iter()
                .map(|(lb, _)| Resource {
                    arn: lb.arn,
                    tags: lb
                        .tags
                        .into_iter()
                        .map(|t| (t.key, t.value.unwrap_or_default()))
                        .collect(),
                })
                .collect();
        out.sort_by(|a, b| a.arn.cmp(&b.arn));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_service::testkit::{ACCOUNT, World, root_of};
    use serde_json::json;

    #[test]
    fn lists_the_load_balancers_of_an_account_and_region_with_their_tags() {
        let w = World::new(crate::register);
        let root = root_of(ACCOUNT);
        w.call_as(
            &root,
            "elbv2",
            "CreateLoadBalancer",
            json!({"Name": "web", "Subnets": ["subnet-1", "subnet-2"],
                   "Tags": [{"Key": "fms", "Value": "on"}]}),
        )
        .unwrap();
        let account: AccountId = ACCOUNT.parse().unwrap();
        let here: Region = "us-east-1".parse().unwrap();
        let found = LoadBalancerInventory
            .list(&w.env, LOAD_BALANCER_TYPE, &account, &here)
            .unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].arn.contains(":loadbalancer/app/web/"));
        assert_eq!(found[0].tags, vec![("fms".to_owned(), "on".to_owned())]);
        let elsewhere: Region = "eu-west-1".parse().unwrap();
        assert!(
            LoadBalancerInventory
                .list(&w.env, LOAD_BALANCER_TYPE, &account, &elsewhere)
                .unwrap()
                .is_empty()
        );
        assert!(
            LoadBalancerInventory
                .list(&w.env, "AWS::EC2::Instance", &account, &here)
                .unwrap()
                .is_empty()
        );
    }
}
