//! The request pipeline, step by step:
//!
//! 1. read the body (bounded) and route it: which service, operation and protocol;
//! 2. authenticate: parse the SigV4 signature, find the access key, check time and signature;
//! 3. decode the input;
//! 4. authorize every access the operation needs (deny by default), then run its handler;
//! 5. encode the output or the AWS error in the request's protocol;
//! 6. record a CloudTrail event for every outcome, including failures before authentication.

use crate::authz::{self, RequestFacts};
use crate::{admin, audit};
use bytes::Bytes;
use http::request::Parts;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use rampart_protocol::{AwsError, Protocol, RequestHead, Route};
use rampart_service::{Call, Env, OperationEntry, Principal, Registry, internal_error};
use rampart_sigv4::{Family, SignedRequest};
use rampart_svc_audit::Recorder;
use rampart_svc_identity::SessionError;
use rampart_types::Region;
use std::net::SocketAddr;
use std::sync::Arc;

/// Everything a request needs, shared by all connections.
pub struct Pipeline {
    env: Env,
    /// Whether requests arrive over TLS (`aws:SecureTransport`).
    secure_transport: bool,
    credentials: rampart_svc_identity::CredentialCache,
    signing_keys: rampart_sigv4::SigningKeyCache,
    registry: Registry,
    recorder: Recorder,
    max_body_bytes: usize,
}

/// Who a request claims to be and whether that was proven.
pub(crate) enum Caller {
    /// The signature verified: this principal made the request.
    Authenticated(Principal),
    /// Authentication failed with `error`.
    Unauthenticated {
        /// The access key id the request claimed, if it got that far.
        access_key_id: Option<String>,
        /// That key's owner, when the key exists.
        claimed: Option<Principal>,
        /// What to answer.
        error: AwsError,
    },
}

/// A request that is routed, authenticated and decoded, and owns everything its authorization,
/// handler and CloudTrail record need, so it can move to another thread.
struct Ready {
    route: Route,
    caller: Caller,
    region: Region,
    request_id: String,
    peer: SocketAddr,
    user_agent: Option<String>,
    /// The decoded input, or the error that stopped the request before its handler.
    input: Result<serde_json::Value, AwsError>,
    /// The implementation, if rampart has one.
    entry: Option<OperationEntry>,
}

impl Ready {
    fn may_block(&self) -> bool {
        match (&self.input, &self.entry) {
            (Ok(_), Some(entry)) => entry.may_block,
            _ => false,
        }
    }
}

impl Pipeline {
    /// A pipeline over `env`, serving the operations in `registry` and recording to `recorder`;
    /// `secure_transport` says whether the listener speaks TLS.
    pub fn new(
        env: Env,
        registry: Registry,
        recorder: Recorder,
        max_body_bytes: usize,
        secure_transport: bool,
    ) -> Self {
        Pipeline {
            env,
            secure_transport,
            credentials: rampart_svc_identity::CredentialCache::new(),
            signing_keys: rampart_sigv4::SigningKeyCache::new(),
            registry,
            recorder,
            max_body_bytes,
        }
    }

    /// The recorder, for flushing at shutdown.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Serves one HTTP request. Routing, authentication and decoding run on the async worker;
    /// authorization and the handler run there too unless the handler may block (writes wait
    /// for the disk), in which case both move to the blocking pool.
    pub async fn handle(
        self: &Arc<Self>,
        request: http::Request<Incoming>,
        peer: SocketAddr,
    ) -> http::Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        if admin::is_health(&parts.method, parts.uri.path()) {
            return admin::health(&self.registry);
        }
        if let Some(document) = admin::issuer_document(&self.env, &parts.method, parts.uri.path()) {
            return document;
        }
        let request_id = rampart_crypto::random_uuid().unwrap_or_default();
        let body = match read_bounded(body, self.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(Unread::Oversized(rest)) => {
                // Read and discard the rest in the background, so the client, still sending,
                // gets to read the answer instead of a reset connection.
                tokio::spawn(drain(rest));
                return too_large(&request_id);
            }
            Err(Unread::Broken) => return broken_body(&request_id),
        };
        let ready = match self.prepare(&parts, &body, peer, request_id) {
            Ok(ready) => ready,
            Err(unrouted) => return *unrouted,
        };
        if !ready.may_block() {
            return self.complete(ready);
        }
        let this = self.clone();
        let fallback_id = ready.request_id.clone();
        tokio::task::spawn_blocking(move || this.complete(ready))
            .await
            .unwrap_or_else(|_| {
                into_http(rampart_protocol::encode_error(
                    Protocol::AwsJson11,
                    None,
                    &internal_error(),
                    &fallback_id,
                ))
            })
    }

    /// Steps 1 to 3: everything before authorization. An unroutable request is answered at
    /// once.
    fn prepare(
        &self,
        parts: &Parts,
        body: &[u8],
        peer: SocketAddr,
        request_id: String,
    ) -> Result<Ready, Box<http::Response<Full<Bytes>>>> {
        let head = RequestHead {
            method: &parts.method,
            uri: &parts.uri,
            headers: &parts.headers,
        };
        let signed = rampart_sigv4::parse(&parts.method, &parts.uri, &parts.headers);
        let scope = signed.as_ref().ok().map(|s| s.scope().clone());
        let signing_service = scope.as_ref().map(|s| s.service());
        let route = rampart_protocol::route(&head, body, signing_service)
            .map_err(|unrouted| Box::new(into_http(unrouted.to_response(&request_id))))?;
        let region = scope
            .as_ref()
            .and_then(|s| s.region().parse::<Region>().ok())
            .unwrap_or_default();
        let unsigned = route.operation.unsigned
            && signed
                .as_ref()
                .is_err_and(|e| e.kind() == rampart_sigv4::ErrorKind::MissingAuthentication);
        let (mut caller, unchunked) = match unsigned {
            // The operation authenticates its caller itself (a web identity token).
            true => (
                Caller::Authenticated(Principal::anonymous(
                    self.env.management_account.clone(),
                    self.env.partition,
                )),
                None,
            ),
            false => self.authenticate(signed, parts, body, family(route.protocol)),
        };
        if let Caller::Authenticated(principal) = &caller
            && !rampart_svc_identity::session_admits(
                principal,
                &route.service.name,
                &route.operation.name,
            )
        {
            caller = Caller::Unauthenticated {
                access_key_id: Some(principal.access_key_id.clone()),
                claimed: Some(principal.clone()),
                error: unknown_access_key(family(route.protocol)),
            };
        }
        let body = unchunked.as_deref().unwrap_or(body);
        let input = match &caller {
            Caller::Unauthenticated { error, .. } => Err(error.clone()),
            Caller::Authenticated(_) => rampart_protocol::decode_input(&route, &head, body),
        };
        let entry = self
            .registry
            .get(&route.service.name, &route.operation.name)
            .cloned();
        Ok(Ready {
            route,
            caller,
            region,
            request_id,
            peer,
            user_agent: head.header("user-agent").map(str::to_owned),
            input,
            entry,
        })
    }

    /// Steps 4 to 6: authorizes and runs the handler, encodes the answer and records the event.
    fn complete(&self, ready: Ready) -> http::Response<Full<Bytes>> {
        let outcome = match (&ready.caller, &ready.input, &ready.entry) {
            (_, Err(error), _) => Err(error.clone()),
            (Caller::Authenticated(principal), Ok(input), Some(entry)) => {
                let facts = RequestFacts {
                    now: self.env.clock.now(),
                    source_ip: ready.peer.ip(),
                    user_agent: ready.user_agent.as_deref(),
                    secure_transport: self.secure_transport,
                    region: ready.region.as_str(),
                };
                let guard =
                    authz::RequestGuard::new(&self.env, principal, ready.route.protocol, facts);
                let call = Call {
                    request_id: &ready.request_id,
                    principal,
                    region: &ready.region,
                    source_ip: ready.peer.ip(),
                    user_agent: ready.user_agent.as_deref().unwrap_or(""),
                    env: &self.env,
                    guard: &guard,
                };
                authz::authorize(&self.registry, &call, &ready.route, input)
                    .and_then(|()| (entry.handler)(&call, input.clone()))
            }
            (_, Ok(_), _) => Err(AwsError::not_implemented(
                &ready.route.service.name,
                &ready.route.operation.name,
            )),
        };
        let response = match &outcome {
            Ok(output) => rampart_protocol::encode_output(&ready.route, output, &ready.request_id),
            Err(error) => rampart_protocol::encode_error(
                ready.route.protocol,
                Some(ready.route.service),
                error,
                &ready.request_id,
            ),
        };
        self.recorder.record(&audit::event(audit::Facts {
            env: &self.env,
            route: &ready.route,
            caller: &ready.caller,
            region: &ready.region,
            request_id: &ready.request_id,
            peer: ready.peer,
            user_agent: ready.user_agent.as_deref(),
            input: ready.input.ok(),
            outcome: &outcome,
            read_only: ready.entry.as_ref().map(|entry| entry.read_only),
        }));
        into_http(response)
    }

    /// Step 2: proves who signed the request. An aws-chunked body (the streaming SigV4 forms)
    /// is verified chunk by chunk and returned decoded; its trailers (checksums) are the
    /// business of the service that reads the payload.
    fn authenticate(
        &self,
        signed: Result<SignedRequest, rampart_sigv4::Error>,
        parts: &Parts,
        body: &[u8],
        family: Family,
    ) -> (Caller, Option<Vec<u8>>) {
        let signed = match signed {
            Ok(signed) => signed,
            Err(e) => {
                let caller = Caller::Unauthenticated {
                    access_key_id: None,
                    claimed: None,
                    error: sigv4_error(&e, family),
                };
                return (caller, None);
            }
        };
        let access_key_id = signed.access_key_id().to_owned();
        let refused = |claimed: Option<Principal>, error| {
            let caller = Caller::Unauthenticated {
                access_key_id: Some(access_key_id.clone()),
                claimed,
                error,
            };
            (caller, None)
        };
        let credential = match security_token(parts) {
            Some(token) => {
                match rampart_svc_identity::resolve_session(&self.env, &access_key_id, &token) {
                    Ok(credential) => Arc::new(credential),
                    Err(SessionError::Invalid) => return refused(None, unknown_access_key(family)),
                    Err(SessionError::Expired) => return refused(None, expired_token(family)),
                }
            }
            None => match self.credentials.resolve(&self.env, &access_key_id) {
                Ok(Some(credential)) => credential,
                Ok(None) => return refused(None, unknown_access_key(family)),
                Err(e) => {
                    tracing::error!(error = %e, "access key lookup failed");
                    let answer =
                        rampart_service::store_unavailable(&e).unwrap_or_else(internal_error);
                    return refused(None, answer);
                }
            },
        };
        let key = self.signing_keys.key(&credential.secret, signed.scope());
        let proof = signed
            .check_time(self.env.clock.now() - self.env.clock.advanced_by())
            .and_then(|()| signed.verify(&parts.method, &parts.uri, &parts.headers, body, &key))
            .and_then(|()| match signed.payload().is_streaming() {
                true => rampart_sigv4::decode_chunked(&signed, &parts.headers, body, &key)
                    .map(|decoded| Some(decoded.payload)),
                false => Ok(None),
            });
        match proof {
            Ok(unchunked) => (
                Caller::Authenticated(credential.principal.clone()),
                unchunked,
            ),
            Err(e) => refused(Some(credential.principal.clone()), sigv4_error(&e, family)),
        }
    }
}

/// Why a request body was not read whole.
enum Unread {
    /// It went past the limit; this is what is left of it.
    Oversized(Incoming),
    /// The connection failed or the body ended before its announced length.
    Broken,
}

/// Reads the whole body if it is at most `limit` bytes.
async fn read_bounded(mut body: Incoming, limit: usize) -> Result<Bytes, Unread> {
    let mut bytes = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Unread::Broken)?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(Unread::Oversized(body));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes.freeze())
}

/// The most of an oversized body read and discarded after answering, and for how long.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads and discards what is left of an oversized body, within bounds.
async fn drain(mut body: Incoming) {
    let discard = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, Bytes::len);
            if seen > DRAIN_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, discard).await;
}

/// Which family of authentication error codes a protocol uses.
fn family(protocol: Protocol) -> Family {
    match protocol {
        Protocol::AwsQuery => Family::Query,
        Protocol::RestXml => Family::S3,
        _ => Family::Json,
    }
}

/// A SigV4 failure in the vocabulary of the request's protocol family.
fn sigv4_error(e: &rampart_sigv4::Error, family: Family) -> AwsError {
    AwsError::new(e.aws_code(family), e.http_status(family), e.message())
}

/// The session token a request carries: the `X-Amz-Security-Token` header, or the query
/// parameter of a presigned URL.
fn security_token(parts: &Parts) -> Option<std::borrow::Cow<'_, str>> {
    if let Some(value) = parts.headers.get("x-amz-security-token") {
        return value.to_str().ok().map(std::borrow::Cow::Borrowed);
    }
    parts.uri.query()?.split('&').find_map(|pair| {
        let value = pair.strip_prefix("X-Amz-Security-Token=")?;
        percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .ok()
    })
}

/// The answer to temporary credentials that have expired.
fn expired_token(family: Family) -> AwsError {
    let message = "The security token included in the request is expired";
    match family {
        Family::Query => AwsError::new("ExpiredToken", 403, message),
        Family::Json => AwsError::new("ExpiredTokenException", 400, message),
        Family::S3 => AwsError::new("ExpiredToken", 400, "The provided token has expired."),
    }
}

/// The answer to an access key id that does not exist (or is inactive).
fn unknown_access_key(family: Family) -> AwsError {
    let message = "The security token included in the request is invalid.";
    match family {
        Family::Query => AwsError::new("InvalidClientTokenId", 403, message),
        Family::Json => AwsError::new("UnrecognizedClientException", 400, message),
        Family::S3 => AwsError::new(
            "InvalidAccessKeyId",
            403,
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
    }
}

fn broken_body(request_id: &str) -> http::Response<Full<Bytes>> {
    let error = AwsError::new(
        "IncompleteBody",
        400,
        "The request body ended before the length it announced.",
    );
    into_http(rampart_protocol::encode_error(
        Protocol::AwsJson11,
        None,
        &error,
        request_id,
    ))
}

fn too_large(request_id: &str) -> http::Response<Full<Bytes>> {
    let error = AwsError::new(
        "RequestEntityTooLarge",
        413,
        "The request body is larger than this server accepts.",
    );
    into_http(rampart_protocol::encode_error(
        Protocol::AwsJson11,
        None,
        &error,
        request_id,
    ))
}

/// Turns an encoded protocol response into a hyper response.
fn into_http(encoded: rampart_protocol::Response) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(encoded.body));
    *response.status_mut() = http::StatusCode::from_u16(encoded.status)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in encoded.headers {
        headers.append(name, value);
    }
    response
}
