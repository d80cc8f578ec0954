//! ELBv2's errors, with the codes and status botocore's model gives them (awsQuery shapes).

use rampart_protocol::AwsError;
use rampart_store::StoreError;

fn sender(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(code, 400, message)
}

/// A parameter that fails the model's constraints.
pub(crate) fn validation(message: impl Into<String>) -> AwsError {
    sender("ValidationError", message)
}

/// `InvalidConfigurationRequest`.
pub(crate) fn invalid_configuration(message: impl Into<String>) -> AwsError {
    sender("InvalidConfigurationRequest", message)
}

/// `LoadBalancerNotFound`.
pub(crate) fn load_balancer_not_found() -> AwsError {
    sender(
        "LoadBalancerNotFound",
        "One or more load balancers not found",
    )
}

/// `TargetGroupNotFound`.
pub(crate) fn target_group_not_found() -> AwsError {
    sender("TargetGroupNotFound", "One or more target groups not found")
}

/// `ListenerNotFound`.
pub(crate) fn listener_not_found() -> AwsError {
    sender("ListenerNotFound", "One or more listeners not found")
}

/// `DuplicateLoadBalancerName`.
pub(crate) fn duplicate_load_balancer() -> AwsError {
    sender(
        "DuplicateLoadBalancerName",
        "A load balancer with the same name already exists",
    )
}

/// `DuplicateTargetGroupName`.
pub(crate) fn duplicate_target_group() -> AwsError {
    sender(
        "DuplicateTargetGroupName",
        "A target group with the same name already exists",
    )
}

/// `DuplicateListener`.
pub(crate) fn duplicate_listener() -> AwsError {
    sender(
        "DuplicateListener",
        "A listener already exists on this port for this load balancer",
    )
}

/// `ResourceInUse`.
pub(crate) fn in_use(message: impl Into<String>) -> AwsError {
    sender("ResourceInUse", message)
}

/// `InvalidTarget`.
pub(crate) fn invalid_target(message: impl Into<String>) -> AwsError {
    sender("InvalidTarget", message)
}

/// `UnsupportedProtocol`.
pub(crate) fn unsupported_protocol(message: impl Into<String>) -> AwsError {
    sender("UnsupportedProtocol", message)
}

/// `CertificateNotFound`.
pub(crate) fn certificate_not_found(message: impl Into<String>) -> AwsError {
    sender("CertificateNotFound", message)
}

/// `DuplicateTagKeys`.
pub(crate) fn duplicate_tag_keys(key: &str) -> AwsError {
    sender("DuplicateTagKeys", format!("Tag key '{key}' is duplicated"))
}

/// `TooManyTags`.
pub(crate) fn too_many_tags() -> AwsError {
    sender(
        "TooManyTags",
        "The quota for the number of tags (50) has been reached",
    )
}

/// A failure inside rampart.
pub(crate) fn internal() -> AwsError {
    rampart_service::internal_error()
}

/// A store failure: a conflict is a concurrent change (retryable), anything else internal.
pub(crate) fn store(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    match e {
        StoreError::Conflict { .. } => AwsError::new(
            "PriorRequestNotComplete",
            429,
            "The request was rejected because a concurrent change to the same resource is in progress",
        ),
        other => {
            tracing::error!(error = %other, "elbv2 store failure");
            internal()
        }
    }
}
