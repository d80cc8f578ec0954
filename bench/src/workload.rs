//! The workloads: each builds one signed request, as an AWS SDK would send it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};
use rampart_sigv4::{Credentials, SigningParams};
use std::time::SystemTime;

/// A named request shape.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Workload {
    /// STS GetCallerIdentity (awsQuery).
    StsGetCallerIdentity,
    /// CloudTrail ListTrails (awsJson 1.1), a read that touches the store.
    CloudtrailListTrails,
    /// IAM ListUsers (awsQuery), signed by a user whose access depends on ten attached
    /// policies (bench/iam_setup.py).
    IamListUsers,
    /// KMS Encrypt of 256 bytes under `--key-id`.
    KmsEncrypt,
    /// KMS Decrypt of `--ciphertext`.
    KmsDecrypt,
    /// KMS GenerateDataKey (AES_256) under `--key-id`.
    KmsGenerateDataKey,
    /// Secrets Manager GetSecretValue of `--secret-id` (decrypted through KMS).
    SecretsGetSecretValue,
    /// SSM GetParameter of the SecureString `--parameter-name` with decryption.
    SsmGetParameter,
    /// Secrets Manager TagResource of `--secret-id`: every request a durable write.
    SecretsTagResource,
    /// 80% reads, 20% writes: four GetSecretValue of `--secret-id` for each SSM PutParameter (a
    /// durable write) of one of [`ITEMS_PER_CONNECTION`] String parameters of the connection's
    /// own, so that writes spread over items as an application's do instead of queuing on one.
    Mixed,
}

/// What some workloads need from the target, prepared before the run.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Inputs {
    /// KMS key for the KMS workloads.
    #[arg(long)]
    pub key_id: Option<String>,
    /// Base64 ciphertext for kms-decrypt.
    #[arg(long)]
    pub ciphertext: Option<String>,
    /// Secret for the Secrets Manager workloads.
    #[arg(long)]
    pub secret_id: Option<String>,
    /// SecureString parameter for ssm-get-parameter.
    #[arg(long)]
    pub parameter_name: Option<String>,
}

/// How many items each connection's writes cycle through in the mixed workload.
pub const ITEMS_PER_CONNECTION: usize = 64;
/// Where a template's body names the item a request writes (see [`Template::request`]).
const ITEM: &str = "{item}";

/// The unsigned part of a workload's request, built once per run.
#[derive(Clone)]
pub struct Template {
    service: &'static str,
    content_type: &'static str,
    target: Option<&'static str>,
    body: Bytes,
}

/// One request ready to send (to the path `/`).
pub struct Prepared {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Workload {
    /// The requests this workload repeats, in turn, or why it cannot run.
    pub fn templates(self, inputs: &Inputs) -> Result<Vec<Template>, String> {
        let secret = || {
            inputs
                .secret_id
                .clone()
                .ok_or("this workload needs --secret-id")
        };
        let get_secret = || -> Result<Template, String> {
            Ok(json_template(
                "secretsmanager",
                "secretsmanager.GetSecretValue",
                serde_json::json!({ "SecretId": secret()? }),
            ))
        };
        let tag = || -> Result<Template, String> {
            Ok(json_template(
                "secretsmanager",
                "secretsmanager.TagResource",
                serde_json::json!({
                    "SecretId": secret()?,
                    "Tags": [{ "Key": "bench", "Value": "mixed" }],
                }),
            ))
        };
        Ok(match self {
            Workload::SecretsGetSecretValue => vec![get_secret()?],
            Workload::SsmGetParameter => vec![json_template(
                "ssm",
                "AmazonSSM.GetParameter",
                serde_json::json!({
                    "Name": inputs.parameter_name.clone().ok_or("this workload needs --parameter-name")?,
                    "WithDecryption": true,
                }),
            )],
            Workload::SecretsTagResource => vec![tag()?],
            Workload::Mixed => {
                let read = get_secret()?;
                let write = json_template(
                    "ssm",
                    "AmazonSSM.PutParameter",
                    serde_json::json!({
                        "Name": format!("/rampart-bench/mixed/{ITEM}"),
                        "Value": "written by the mixed workload",
                        "Type": "String",
                        "Overwrite": true,
                    }),
                );
                vec![read.clone(), read.clone(), read.clone(), read, write]
            }
            single => vec![single.template(inputs)?],
        })
    }

    /// The one request of a single-request workload.
    fn template(self, inputs: &Inputs) -> Result<Template, String> {
        let json = |target, body| json_template("kms", target, body);
        let key = || inputs.key_id.clone().ok_or("this workload needs --key-id");
        Ok(match self {
            Workload::StsGetCallerIdentity => Template {
                service: "sts",
                content_type: "application/x-www-form-urlencoded; charset=utf-8",
                target: None,
                body: Bytes::from_static(b"Action=GetCallerIdentity&Version=2011-06-15"),
            },
            Workload::CloudtrailListTrails => Template {
                service: "cloudtrail",
                content_type: "application/x-amz-json-1.1",
                target: Some("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListTrails"),
                body: Bytes::from_static(b"{}"),
            },
            Workload::IamListUsers => Template {
                service: "iam",
                content_type: "application/x-www-form-urlencoded; charset=utf-8",
                target: None,
                body: Bytes::from_static(b"Action=ListUsers&Version=2010-05-08"),
            },
            Workload::KmsEncrypt => json(
                "TrentService.Encrypt",
                serde_json::json!({ "KeyId": key()?, "Plaintext": STANDARD.encode([b'r'; 256]) }),
            ),
            Workload::KmsDecrypt => json(
                "TrentService.Decrypt",
                serde_json::json!({
                    "CiphertextBlob": inputs.ciphertext.clone().ok_or("kms-decrypt needs --ciphertext")?
                }),
            ),
            Workload::KmsGenerateDataKey => json(
                "TrentService.GenerateDataKey",
                serde_json::json!({ "KeyId": key()?, "KeySpec": "AES_256" }),
            ),
            Workload::SecretsGetSecretValue
            | Workload::SsmGetParameter
            | Workload::SecretsTagResource
            | Workload::Mixed => {
                return Err(format!("{self:?} is made of several requests"));
            }
        })
    }
}

/// An awsJson 1.1 request of `service` for `target` with `body`.
fn json_template(service: &'static str, target: &'static str, body: serde_json::Value) -> Template {
    Template {
        service,
        content_type: "application/x-amz-json-1.1",
        target: Some(target),
        body: Bytes::from(body.to_string()),
    }
}

impl Template {
    /// Signs one request for `authority` (host:port) now; a body that names an item names
    /// item number `item`.
    pub fn request(
        &self,
        authority: &str,
        credentials: &Credentials,
        region: &str,
        item: usize,
    ) -> Result<Prepared, String> {
        let body = match std::str::from_utf8(&self.body) {
            Ok(text) if text.contains(ITEM) => Bytes::from(text.replace(ITEM, &item.to_string())),
            _ => self.body.clone(),
        };
        let uri: Uri = format!("http://{authority}/")
            .parse()
            .map_err(|e| format!("bad endpoint: {e}"))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if let Some(target) = self.target {
            headers.insert("x-amz-target", HeaderValue::from_static(target));
        }
        headers.insert(
            http::header::HOST,
            HeaderValue::from_str(authority).map_err(|e| format!("bad authority: {e}"))?,
        );
        let params = SigningParams::new(credentials, region, self.service, SystemTime::now());
        rampart_sigv4::sign(&Method::POST, &uri, &mut headers, &body, &params)
            .map_err(|e| e.to_string())?;
        Ok(Prepared {
            method: Method::POST,
            headers,
            body,
        })
    }
}
