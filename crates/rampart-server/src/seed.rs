//! Seeding: `rampart serve --seed FILE` makes a list of API calls once, on a fresh data
//! directory, before the first request is served, so that a test suite starts from a known
//! state. The file is YAML (or JSON, which YAML reads too):
//!
//! ```yaml
//! calls:
//!   - call: organizations.CreateAccount        # service.Operation, as in botocore's models
//!     input: {AccountName: dev, Email: dev@example.com}
//!     save: {dev: CreateAccountStatus.AccountId} # output paths kept as ${variables}
//!   - call: iam.CreateUser
//!     account: ${dev}                           # act as this account's root (default: management)
//!     region: eu-west-1                         # default: us-east-1
//!     input: {UserName: alice}
//! ```
//!
//! Each call runs through the operation's own handler as the root user of its account, so a
//! bad entry fails with the error the API gives, reported with the file, the line and the
//! call. A few calls no API offers are seeding's own: `seed.AccessKey` (`UserName`,
//! `AccessKeyId`, `SecretAccessKey`) gives a user (or the root user) a fixed access key, and
//! `seed.KmsKey` (CreateKey's input plus `KeyId` and optional base64 `KeyMaterial`) a KMS key
//! with a fixed id and material. Strings may hold `${name}` for a saved value, `${account}` for the management
//! account id. The server records the file's SHA-256 once seeding succeeded: a restart with
//! the same file does nothing, one with another file is refused (reset or a fresh data
//! directory start over), and a failed seeding leaves the data directory as it was.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rampart_protocol::{AwsError, Models};
use rampart_service::{Call, Env, Principal, PrincipalKind, Registry, ServiceAuthority};
use rampart_store::{Batch, Key};
use rampart_types::{AccountId, Region};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use zeroize::Zeroizing;

/// Where the seed file's digest is kept, in rampart's own space.
fn digest_key() -> Key {
    Key::new(crate::snapshot::OWN_SPACE, "seed", "sha256")
}

/// The hex SHA-256 of a seed file.
fn digest(text: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        text.as_bytes(),
    ))
}

/// One call of the file, with the line it starts on.
struct Entry {
    line: usize,
    service: String,
    operation: String,
    input: Value,
    account: Option<String>,
    region: Option<String>,
    save: BTreeMap<String, String>,
}

/// What to do with a seed file on this start.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// The data directory was seeded from this very file: nothing to do.
    AlreadySeeded,
    /// Seed it now.
    Seed,
}

/// Whether `text` should be seeded into `env`'s store, or an error when the store was seeded
/// from another file.
pub fn plan(env: &Env, path: &Path, text: &str) -> Result<Plan, String> {
    let digest = digest(text);
    match env
        .store
        .get(&digest_key())
        .map_err(|e| format!("cannot read the seed record: {e}"))?
    {
        None => Ok(Plan::Seed),
        Some(item) if item.value == digest.as_bytes() => Ok(Plan::AlreadySeeded),
        Some(_) => Err(format!(
            "{}: this data directory was seeded from a different file; use a fresh data directory, or `rampart reset` to return to its seeded state",
            path.display()
        )),
    }
}

/// Makes every call of the seed file `text` (read from `path`) in order; on success records
/// its digest. Errors name the file, the line and the call.
pub fn apply(env: &Env, registry: &Registry, path: &Path, text: &str) -> Result<usize, String> {
    let at = |line: usize, message: String| format!("{}:{line}: {message}", path.display());
    let entries = parse(text).map_err(|(line, message)| at(line, message))?;
    let mut vars = BTreeMap::from([("account".to_owned(), env.management_account.to_string())]);
    for (index, entry) in entries.iter().enumerate() {
        let name = format!("calls[{index}] {}.{}", entry.service, entry.operation);
        let output = run(env, registry, entry, &vars)
            .map_err(|message| at(entry.line, format!("{name}: {message}")))?;
        for (var, output_path) in &entry.save {
            let value = lookup(&output, output_path).ok_or_else(|| {
                at(
                    entry.line,
                    format!("{name}: the output has no {output_path} to save as {var}"),
                )
            })?;
            vars.insert(var.clone(), value);
        }
    }
    env.store
        .commit(Batch::new().put(digest_key(), digest(text)))
        .map_err(|e| format!("cannot record the seeding: {e}"))?;
    Ok(entries.len())
}

/// Runs one entry as the root user of its account; its output, or the API's error as text.
fn run(
    env: &Env,
    registry: &Registry,
    entry: &Entry,
    vars: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let account: AccountId = match &entry.account {
        Some(text) => substitute_str(text, vars)?
            .parse()
            .map_err(|_| format!("account `{text}` is not a 12-digit account id"))?,
        None => env.management_account.clone(),
    };
    let region: Region = match &entry.region {
        Some(text) => substitute_str(text, vars)?
            .parse()
            .map_err(|_| format!("`{text}` is not a region"))?,
        None => "us-east-1"
            .parse()
            .map_err(|_| "us-east-1 is not a region".to_owned())?,
    };
    let principal = Principal {
        principal_id: account.to_string(),
        account,
        partition: env.partition,
        kind: PrincipalKind::Root,
        access_key_id: String::new(),
        session: None,
    };
    let call = Call {
        request_id: "seed",
        principal: &principal,
        region: &region,
        source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        user_agent: "rampart-seed",
        env,
        guard: &ServiceAuthority,
    };
    let input = substitute(entry.input.clone(), vars)?;
    let answer = if entry.service == SEED_SERVICE {
        seed_only(&call, &entry.operation, input)
    } else {
        let Some(model) = Models::get().service(&entry.service) else {
            return Err(format!("there is no service `{}`", entry.service));
        };
        let Some(operation) = registry.get(&model.name, &entry.operation) else {
            return Err(format!(
                "{} has no operation {} that rampart implements",
                entry.service, entry.operation
            ));
        };
        (operation.handler)(&call, input)
    };
    answer.map_err(|e: AwsError| format!("{}: {}", e.code, e.message))
}

/// The service name of the calls no AWS API offers, for what only seeding may do.
const SEED_SERVICE: &str = "seed";

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct FixedAccessKey {
    user_name: Option<String>,
    access_key_id: String,
    secret_access_key: String,
}

/// `seed.AccessKey`: an access key with an id and secret of the operator's choosing, for the
/// user `UserName` (the account's root user without one). `seed.KmsKey`: CreateKey's input
/// plus `KeyId` and, optionally, `KeyMaterial` (base64), for reproducible ciphertexts.
fn seed_only(call: &Call<'_>, operation: &str, input: Value) -> Result<Value, AwsError> {
    match operation {
        "KmsKey" => {
            let Value::Object(mut input) = input else {
                return Err(seed_error("seed.KmsKey takes a mapping"));
            };
            let key_id = match input.remove("KeyId") {
                Some(Value::String(id)) => id,
                _ => return Err(seed_error("seed.KmsKey needs KeyId")),
            };
            let material = match input.remove("KeyMaterial") {
                None => None,
                Some(Value::String(text)) => Some(Zeroizing::new(
                    STANDARD
                        .decode(text.as_bytes())
                        .map_err(|_| seed_error("KeyMaterial is base64"))?,
                )),
                Some(_) => return Err(seed_error("KeyMaterial is base64")),
            };
            rampart_svc_kms::seed_key(
                call,
                Value::Object(input),
                &key_id,
                material.as_ref().map(|m| m.as_slice()),
            )
        }
        "AccessKey" => {
            let key: FixedAccessKey = rampart_service::from_input(input, "ValidationError")?;
            rampart_svc_identity::import_access_key(
                call,
                key.user_name.as_deref(),
                &key.access_key_id,
                &key.secret_access_key,
            )
        }
        other => Err(seed_error(&format!(
            "seed.{other} is not a seeding call (seed.AccessKey and seed.KmsKey are)"
        ))),
    }
}

fn seed_error(message: &str) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

/// `input` with every `${name}` in its strings replaced.
fn substitute(input: Value, vars: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match input {
        Value::String(text) => Value::String(substitute_str(&text, vars)?),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| substitute(item, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(key, value)| Ok((key, substitute(value, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other,
    })
}

fn substitute_str(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`{text}` opens a ${{ without closing it"))?;
        let name = &after[..end];
        let value = vars
            .get(name)
            .ok_or_else(|| format!("`${{{name}}}` was not saved by an earlier call"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The scalar at a dotted path of `output` (`CreateAccountStatus.AccountId`, `Keys.0.KeyId`).
fn lookup(output: &Value, path: &str) -> Option<String> {
    let mut node = output;
    for part in path.split('.') {
        node = match node {
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => node.get(part)?,
        };
    }
    match node {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The calls of a seed file, or the line and reason it is refused.
fn parse(text: &str) -> Result<Vec<Entry>, (usize, String)> {
    let documents =
        MarkedYaml::load_from_str(text).map_err(|e| (e.marker().line(), e.info().to_owned()))?;
    let [document] = documents.as_slice() else {
        return Err((1, "a seed file holds exactly one YAML document".into()));
    };
    let root = to_json(document)?;
    let calls = match (&document.data, root.get("calls")) {
        (YamlData::Mapping(map), Some(Value::Array(calls))) if map.len() == 1 => calls.clone(),
        _ => {
            return Err((
                document.span.start.line(),
                "a seed file is a mapping with one key, `calls`, holding a list".into(),
            ));
        }
    };
    let lines = call_lines(document);
    calls
        .into_iter()
        .zip(lines)
        .map(|(call, line)| entry(call, line).map_err(|message| (line, message)))
        .collect()
}

/// The line each item of the `calls` list starts on.
fn call_lines(document: &MarkedYaml<'_>) -> Vec<usize> {
    let YamlData::Mapping(map) = &document.data else {
        return Vec::new();
    };
    map.iter()
        .find_map(|(_, value)| match &value.data {
            YamlData::Sequence(items) => {
                Some(items.iter().map(|item| item.span.start.line()).collect())
            }
            _ => None,
        })
        .unwrap_or_default()
}

fn entry(call: Value, line: usize) -> Result<Entry, String> {
    let Value::Object(mut members) = call else {
        return Err("each call is a mapping with `call` and `input`".into());
    };
    let name = match members.remove("call") {
        Some(Value::String(name)) => name,
        _ => return Err("`call` names the operation as service.Operation".into()),
    };
    let Some((service, operation)) = name.split_once('.') else {
        return Err(format!("`{name}` is not service.Operation"));
    };
    let input = members
        .remove("input")
        .unwrap_or_else(|| Value::Object(Map::new()));
    if !input.is_object() {
        return Err("`input` is a mapping of the operation's parameters".into());
    }
    let text = |members: &mut Map<String, Value>, key: &str| match members.remove(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(format!("`{key}` is a string")),
    };
    let account = text(&mut members, "account")?;
    let region = text(&mut members, "region")?;
    let save = match members.remove("save") {
        None => BTreeMap::new(),
        Some(Value::Object(save)) => save
            .into_iter()
            .map(|(var, path)| match path {
                Value::String(path) => Ok((var, path)),
                _ => Err(format!("`save.{var}` is an output path such as User.Arn")),
            })
            .collect::<Result<_, String>>()?,
        Some(_) => return Err("`save` maps variable names to output paths".into()),
    };
    if let Some(unknown) = members.keys().next() {
        return Err(format!(
            "`{unknown}` is not a key of a call (call, input, account, region, save)"
        ));
    }
    Ok(Entry {
        line,
        service: service.to_owned(),
        operation: operation.to_owned(),
        input,
        account,
        region,
        save,
    })
}

/// The JSON value of a YAML node; aliases and non-string keys are refused.
fn to_json(node: &MarkedYaml<'_>) -> Result<Value, (usize, String)> {
    let line = node.span.start.line();
    Ok(match &node.data {
        YamlData::Value(scalar) => scalar_json(scalar),
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        YamlData::Mapping(map) => {
            let mut members = Map::new();
            for (key, value) in map {
                let key = match to_json(key)? {
                    Value::String(key) => key,
                    Value::Number(n) => n.to_string(),
                    _ => return Err((key.span.start.line(), "keys are strings".into())),
                };
                members.insert(key, to_json(value)?);
            }
            Value::Object(members)
        }
        YamlData::Tagged(_, inner) => to_json(inner)?,
        YamlData::Alias(_) => return Err((line, "aliases are not supported".into())),
        YamlData::BadValue => return Err((line, "not a valid YAML value".into())),
    })
}

fn scalar_json(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::FloatingPoint(f) => {
            serde_json::Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
        }
        Scalar::String(text) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_with_their_lines() {
        let text = "# a seed\ncalls:\n  - call: iam.CreateUser\n    input: {UserName: alice}\n  - call: kms.CreateKey\n    region: eu-west-1\n    save: {key: KeyMetadata.KeyId}\n";
        let entries = parse(text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].line, entries[1].line), (3, 5));
        assert_eq!(entries[0].input, serde_json::json!({"UserName": "alice"}));
        assert_eq!(entries[1].region.as_deref(), Some("eu-west-1"));
        assert_eq!(entries[1].save["key"], "KeyMetadata.KeyId");
    }

    #[test]
    fn json_is_yaml_too() {
        let entries =
            parse(r#"{"calls": [{"call": "iam.CreateUser", "input": {"UserName": "a"}}]}"#)
                .unwrap();
        assert_eq!(entries[0].operation, "CreateUser");
    }

    #[test]
    fn bad_files_say_where() {
        let cases = [
            (
                "calls:\n  - call: iam.CreateUser\n    inptu: {}\n",
                2,
                "`inptu`",
            ),
            ("calls:\n  - call: CreateUser\n", 2, "service.Operation"),
            ("users: []\n", 1, "`calls`"),
            ("calls: [\n", 2, ""),
            (
                "calls:\n  - call: iam.CreateUser\n  - just text\n",
                3,
                "a mapping",
            ),
        ];
        for (text, line, reason) in cases {
            let Err((at, message)) = parse(text) else {
                panic!("{text} parsed");
            };
            assert_eq!(at, line, "{text}: {message}");
            assert!(message.contains(reason), "{text}: {message}");
        }
    }

    #[test]
    fn variables_are_substituted_and_looked_up() {
        let vars = BTreeMap::from([("dev".to_owned(), "111122223333".to_owned())]);
        let input = serde_json::json!({"Arn": "arn:aws:iam::${dev}:root", "List": ["${dev}"]});
        assert_eq!(
            substitute(input, &vars).unwrap(),
            serde_json::json!({"Arn": "arn:aws:iam::111122223333:root", "List": ["111122223333"]})
        );
        assert!(substitute_str("${missing}", &vars).is_err());
        assert!(substitute_str("${open", &vars).is_err());
        let output = serde_json::json!({"Keys": [{"KeyId": "k1"}], "N": 3});
        assert_eq!(lookup(&output, "Keys.0.KeyId").as_deref(), Some("k1"));
        assert_eq!(lookup(&output, "N").as_deref(), Some("3"));
        assert_eq!(lookup(&output, "Keys"), None);
    }
}
