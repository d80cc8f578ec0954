//! GetRandomPassword: passwords from the operating system's CSPRNG (aws-lc-rs), with every
//! option AWS has.

use crate::errors;
use crate::input::flag;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};
use zeroize::Zeroizing;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

pub(crate) fn register(registry: &mut Registry) {
    registry.register(
        "secretsmanager",
        "GetRandomPassword",
        true,
        get_random_password,
    );
}

/// The options of a password request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    pub length: usize,
    pub exclude: String,
    pub numbers: bool,
    pub punctuation: bool,
    pub uppercase: bool,
    pub lowercase: bool,
    pub space: bool,
    pub each_type: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            length: 32,
            exclude: String::new(),
            numbers: true,
            punctuation: true,
            uppercase: true,
            lowercase: true,
            space: false,
            each_type: true,
        }
    }
}

/// A uniformly random index below `n` (rejection sampling: no modulo bias).
fn below(n: usize) -> Option<usize> {
    let n32 = u32::try_from(n).ok()?;
    if n32 == 0 {
        return None;
    }
    let limit = u32::MAX - (u32::MAX % n32);
    loop {
        let r = u32::from_be_bytes(rampart_crypto::random_bytes::<4>()?);
        if r < limit {
            return Some((r % n32) as usize);
        }
    }
}

/// A password as `options` ask; `InvalidParameterException` when the options leave no
/// character or ask for more character types than the length holds.
pub(crate) fn generate(options: &Options) -> Result<Zeroizing<String>, AwsError> {
    let mut classes: Vec<Vec<char>> = Vec::new();
    for (wanted, set) in [
        (options.lowercase, LOWER),
        (options.uppercase, UPPER),
        (options.numbers, DIGITS),
        (options.punctuation, PUNCTUATION),
        (options.space, " "),
    ] {
        if wanted {
            let chars: Vec<char> = set
                .chars()
                .filter(|c| !options.exclude.contains(*c))
                .collect();
            if !chars.is_empty() {
                classes.push(chars);
            }
        }
    }
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    if all.is_empty() {
        return Err(errors::invalid_parameter(
            "The password can't be generated: every character type is excluded.",
        ));
    }
    let required = if options.each_type { classes.len() } else { 0 };
    if options.length < required {
        return Err(errors::invalid_parameter(
            "The password length is too short to include each included character type.",
        ));
    }
    let fail = rampart_service::internal_error;
    let mut chars: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(options.length));
    for class in classes.iter().take(required) {
        chars.push(class[below(class.len()).ok_or_else(fail)?]);
    }
    while chars.len() < options.length {
        chars.push(all[below(all.len()).ok_or_else(fail)?]);
    }
    for i in (1..chars.len()).rev() {
        let j = below(i + 1).ok_or_else(fail)?;
        chars.swap(i, j);
    }
    Ok(Zeroizing::new(chars.iter().collect()))
}

fn get_random_password(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let defaults = Options::default();
    let length = match input.get("PasswordLength").and_then(Value::as_i64) {
        Some(n) if !(1..=4096).contains(&n) => {
            return Err(errors::validation(
                "passwordLength",
                "Member must have value between 1 and 4096",
            ));
        }
        Some(n) => n as usize,
        None => defaults.length,
    };
    let exclude = input
        .get("ExcludeCharacters")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if exclude.chars().count() > 4096 {
        return Err(errors::validation(
            "excludeCharacters",
            "Member must have length less than or equal to 4096",
        ));
    }
    let options = Options {
        length,
        exclude: exclude.to_owned(),
        numbers: !flag(&input, "ExcludeNumbers").unwrap_or(false),
        punctuation: !flag(&input, "ExcludePunctuation").unwrap_or(false),
        uppercase: !flag(&input, "ExcludeUppercase").unwrap_or(false),
        lowercase: !flag(&input, "ExcludeLowercase").unwrap_or(false),
        space: flag(&input, "IncludeSpace").unwrap_or(false),
        each_type: flag(&input, "RequireEachIncludedType").unwrap_or(true),
    };
    let password = generate(&options)?;
    Ok(json!({"RandomPassword": password.as_str()}))
}
