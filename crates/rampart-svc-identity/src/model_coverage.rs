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
    assert_eq!(missing, Vec::<String>::new());
    assert_eq!(world.operations_without_rules(), Vec::<String>::new());
}
