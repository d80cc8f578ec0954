//! The wire protocols AWS services speak.

/// One of the AWS wire protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Form-encoded `Action=` requests, XML responses (IAM, STS, ELBv2).
    AwsQuery,
    /// JSON with `X-Amz-Target`, content type `application/x-amz-json-1.0`.
    AwsJson10,
    /// JSON with `X-Amz-Target`, content type `application/x-amz-json-1.1`.
    AwsJson11,
    /// REST bindings with JSON bodies.
    RestJson1,
    /// REST bindings with XML bodies (S3).
    RestXml,
    /// Smithy RPC v2 with CBOR bodies.
    RpcV2Cbor,
}

impl Protocol {
    /// The protocol named by a model's `protocol` metadata (botocore names).
    pub fn from_model(name: &str, json_version: Option<&str>) -> Protocol {
        match name {
            "query" | "ec2" => Protocol::AwsQuery,
            "json" if json_version == Some("1.0") => Protocol::AwsJson10,
            "json" => Protocol::AwsJson11,
            "rest-json" => Protocol::RestJson1,
            "rest-xml" => Protocol::RestXml,
            _ => Protocol::RpcV2Cbor,
        }
    }

    /// The `Content-Type` of this protocol's response bodies.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsQuery | Protocol::RestXml => "text/xml",
            Protocol::AwsJson10 => "application/x-amz-json-1.0",
            Protocol::AwsJson11 => "application/x-amz-json-1.1",
            Protocol::RestJson1 => "application/json",
            Protocol::RpcV2Cbor => "application/cbor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_map_to_protocols() {
        assert_eq!(Protocol::from_model("query", None), Protocol::AwsQuery);
        assert_eq!(
            Protocol::from_model("json", Some("1.0")),
            Protocol::AwsJson10
        );
        assert_eq!(
            Protocol::from_model("json", Some("1.1")),
            Protocol::AwsJson11
        );
        assert_eq!(Protocol::from_model("rest-json", None), Protocol::RestJson1);
        assert_eq!(Protocol::from_model("rest-xml", None), Protocol::RestXml);
        assert_eq!(
            Protocol::from_model("smithy-rpc-v2-cbor", Some("1.1")),
            Protocol::RpcV2Cbor
        );
    }
}
