//! Every operation of the IAM, STS and Organizations models has a handler and a rule.

use rampart_protocol::Models;
use rampart_service::testkit::World;

#[test]
fn every_model_operation_is_registered_with_a_rule() {
    let world = World::new(crate::register);
    let mut missing = Vec::new();
    for service in ["iam", "sts", "organizations"] {
        let model = Models::get().service(service).unwrap();
        for operation in model.operations.keys() {
            if world.registry.get(service, operation).is_none() {
                missing.push(format!("{service}:{operation}"));
            }
        }
    }
    // Still to come in this session; the list only shrinks.
    let not_yet: Vec<String> = [
        "iam:AcceptDelegationRequest",
        "iam:AssociateDelegationRequest",
        "iam:CreateDelegationRequest",
        "iam:GetDelegationRequest",
        "iam:GetHumanReadableSummary",
        "iam:ListDelegationRequests",
        "iam:RejectDelegationRequest",
        "iam:SendDelegationToken",
        "iam:UpdateDelegationRequest",
        "sts:GetDelegatedAccessToken",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(missing, not_yet);
    assert_eq!(world.operations_without_rules(), Vec::<String>::new());
}
