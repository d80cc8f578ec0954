//! IAM's Organizations access report over the organization's SCPs.

use super::*;

impl World {
    fn report(&self, path: &str, policy: Option<&str>) -> Result<Vec<String>, AwsError> {
        let mut input = json!({ "EntityPath": path });
        if let Some(policy) = policy {
            input["OrganizationsPolicyId"] = json!(policy);
        }
        let job = self.base.call_as(
            &self.root,
            "iam",
            "GenerateOrganizationsAccessReport",
            input,
        )?;
        let out = self.base.call_as(
            &self.root,
            "iam",
            "GetOrganizationsAccessReport",
            json!({"JobId": job["JobId"], "MaxItems": 1000}),
        )?;
        assert_eq!(out["JobStatus"], "COMPLETED");
        Ok(out["AccessDetails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["ServiceNamespace"].as_str().unwrap().to_owned())
            .collect())
    }
}

#[test]
fn the_report_lists_what_every_scp_level_above_the_entity_allows() {
    let w = org_world();
    let org_id = w.call("DescribeOrganization", json!({})).unwrap()["Organization"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (root, ou, account) = w.member_in_ou("eng", "dev");
    let path = format!("{org_id}/{root}/{ou}/{account}");
    // SCPs must be enabled first.
    assert_eq!(w.report(&path, None).unwrap_err().code, "InvalidInput");
    w.enable("SERVICE_CONTROL_POLICY");
    assert!(w.report(&path, None).unwrap().len() > 100);
    // An OU whose only SCP allows IAM narrows everything below it to IAM.
    let iam_only = w.create_policy("iam-only", "SERVICE_CONTROL_POLICY", ALLOW_IAM);
    w.attach(&iam_only, &ou).unwrap();
    w.detach("p-FullAWSAccess", &ou).unwrap();
    assert_eq!(w.report(&path, None).unwrap(), vec!["iam"]);
    assert_eq!(w.report(&path, Some(&iam_only)).unwrap(), vec!["iam"]);
    // Paths that do not walk down the organization are refused.
    let wrong = format!("{org_id}/{root}/{account}");
    assert_eq!(w.report(&wrong, None).unwrap_err().code, "InvalidInput");
    let missing = w.base.call_as(
        &w.root,
        "iam",
        "GetOrganizationsAccessReport",
        json!({"JobId": "nope"}),
    );
    assert_eq!(code(missing), "NoSuchEntity");
    // Only the management account generates reports.
    let member = w.base.call_as(
        &root_of(&account),
        "iam",
        "GenerateOrganizationsAccessReport",
        json!({ "EntityPath": path }),
    );
    assert_eq!(code(member), "AccessDenied");
}
