//! ParameterFilters (DescribeParameters, GetParametersByPath) and the older Filters
//! (DescribeParameters): which keys and options each operation accepts, with AWS's errors, and
//! whether a parameter matches.

use crate::errors;
use crate::name;
use crate::record::{Parameter, Version};
use rampart_protocol::AwsError;
use serde::Deserialize;

/// One ParameterStringFilter as the API spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StringFilter {
    key: String,
    option: Option<String>,
    values: Option<Vec<String>>,
}

/// One ParametersFilter (DescribeParameters' older `Filters`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct OldFilter {
    key: String,
    values: Vec<String>,
}

/// Which operation the filters are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// DescribeParameters: every key but Label.
    Describe,
    /// GetParametersByPath: Type, KeyId and Label only.
    ByPath,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Name,
    Type,
    KeyId,
    Path,
    Tier,
    Label,
    DataType,
    Tag(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Equals,
    BeginsWith,
    Contains,
    Recursive,
    OneLevel,
}

/// A checked filter.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    field: Field,
    option: Opt,
    values: Vec<String>,
}

const KEY_PATTERN: &str = "tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType";

fn field(key: &str) -> Option<Field> {
    Some(match key {
        "Name" => Field::Name,
        "Type" => Field::Type,
        "KeyId" => Field::KeyId,
        "Path" => Field::Path,
        "Tier" => Field::Tier,
        "Label" => Field::Label,
        "DataType" => Field::DataType,
        _ => Field::Tag(
            key.strip_prefix("tag:")
                .filter(|t| !t.is_empty())?
                .to_owned(),
        ),
    })
}

/// Checks ParameterFilters for `usage`.
pub(crate) fn compile(filters: &[StringFilter], usage: Use) -> Result<Vec<Filter>, AwsError> {
    let mut out: Vec<Filter> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        let Some(field) = field(&f.key).filter(|_| f.key.chars().count() <= 132) else {
            return Err(errors::validation(format!(
                "1 validation error detected: Value '{}' at 'parameterFilters.{}.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: {KEY_PATTERN}",
                f.key,
                i + 1
            )));
        };
        let allowed_here = match usage {
            Use::Describe => field != Field::Label,
            Use::ByPath => matches!(field, Field::Type | Field::KeyId | Field::Label),
        };
        if !allowed_here {
            let valid = match usage {
                Use::Describe => "[Path, Name, Type, KeyId, Tier, DataType]",
                Use::ByPath => "[Type, KeyId, Label]",
            };
            return Err(errors::invalid_filter_key(format!(
                "The following filter key is not valid: {}. Valid filter keys include: {valid}.",
                f.key
            )));
        }
        if seen.contains(&f.key.as_str()) {
            return Err(errors::invalid_filter_key(format!(
                "The following filter is duplicated in the request: {}. A request can contain only one occurrence of a specific filter.",
                f.key
            )));
        }
        seen.push(&f.key);
        let values = f.values.clone().unwrap_or_default();
        if values.is_empty() && !matches!(field, Field::Tag(_)) {
            return Err(errors::invalid_filter_value(format!(
                "The following filter values are missing : null for filter key {}.",
                f.key
            )));
        }
        if values.len() > 50
            || values
                .iter()
                .any(|v| v.is_empty() || v.chars().count() > 1024)
        {
            return Err(errors::validation(format!(
                "1 validation error detected: Value at 'parameterFilters.{}.member.values' failed to satisfy constraint: Member must have length less than or equal to 50, each value 1 to 1024 characters",
                i + 1
            )));
        }
        let option = option_for(&field, f.option.as_deref())?;
        check_values(&field, &values)?;
        let values = if field == Field::Path {
            values
                .iter()
                .map(|v| name::check_path(v))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            values
        };
        out.push(Filter {
            field,
            option,
            values,
        });
    }
    Ok(out)
}

fn option_for(field: &Field, option: Option<&str>) -> Result<Opt, AwsError> {
    let invalid = |o: &str, valid: &str| {
        errors::invalid_filter_option(format!(
            "The following filter option is not valid: {o}. Valid options include: {valid}."
        ))
    };
    match field {
        Field::Path => match option.unwrap_or("OneLevel") {
            "OneLevel" => Ok(Opt::OneLevel),
            "Recursive" => Ok(Opt::Recursive),
            o => Err(invalid(o, "[Recursive, OneLevel]")),
        },
        Field::Label => match option.unwrap_or("Equals") {
            "Equals" => Ok(Opt::Equals),
            o => Err(invalid(o, "[Equals]")),
        },
        Field::Name => match option.unwrap_or("Equals") {
            "Equals" => Ok(Opt::Equals),
            "BeginsWith" => Ok(Opt::BeginsWith),
            "Contains" => Ok(Opt::Contains),
            o => Err(invalid(o, "[BeginsWith, Equals, Contains]")),
        },
        _ => match option.unwrap_or("Equals") {
            "Equals" => Ok(Opt::Equals),
            "BeginsWith" => Ok(Opt::BeginsWith),
            o => Err(invalid(o, "[BeginsWith, Equals]")),
        },
    }
}

fn check_values(field: &Field, values: &[String]) -> Result<(), AwsError> {
    let allowed: &[&str] = match field {
        Field::Tier => &["Standard", "Advanced", "Intelligent-Tiering"],
        Field::Type => &["String", "StringList", "SecureString"],
        Field::Path => {
            if values.iter().any(|v| {
                let lower = v.to_ascii_lowercase();
                lower.starts_with("/aws") || lower.starts_with("/ssm")
            }) {
                return Err(errors::validation(
                    "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). When using global parameters, please specify within a global namespace.",
                ));
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    match values.iter().find(|v| !allowed.contains(&v.as_str())) {
        Some(bad) => Err(errors::invalid_filter_option(format!(
            "The following filter value is not valid: {bad}. Valid values include: [{}].",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// DescribeParameters' older Filters as ParameterFilters: Name begins with, Type and KeyId
/// equal.
pub(crate) fn compile_old(filters: &[OldFilter]) -> Result<Vec<Filter>, AwsError> {
    filters
        .iter()
        .map(|f| {
            let (field, option) = match f.key.as_str() {
                "Name" => (Field::Name, Opt::BeginsWith),
                "Type" => (Field::Type, Opt::Equals),
                "KeyId" => (Field::KeyId, Opt::Equals),
                other => {
                    return Err(errors::validation(format!(
                        "1 validation error detected: Value '{other}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]"
                    )));
                }
            };
            if f.values.is_empty() {
                return Err(errors::invalid_filter_value(format!(
                    "The following filter values are missing : null for filter key {}.",
                    f.key
                )));
            }
            Ok(Filter {
                field,
                option,
                values: f.values.clone(),
            })
        })
        .collect()
}

fn compare(option: Opt, actual: &str, values: &[String]) -> bool {
    values.iter().any(|v| match option {
        Opt::Equals => actual == v,
        Opt::BeginsWith => actual.starts_with(v.as_str()),
        Opt::Contains => actual.contains(v.as_str()),
        Opt::Recursive | Opt::OneLevel => false,
    })
}

/// The version of `parameter` that `filters` select (the newest, or the newest carrying a
/// filtered label), if the parameter matches them all.
pub(crate) fn select<'a>(filters: &[Filter], parameter: &'a Parameter) -> Option<&'a Version> {
    let mut version = parameter.latest()?;
    for f in filters {
        let ok = match &f.field {
            Field::Name => {
                let actual = name::in_hierarchy(&parameter.name);
                match f.option {
                    Opt::Contains => compare(f.option, &actual, &f.values),
                    _ => {
                        let values: Vec<String> =
                            f.values.iter().map(|v| name::in_hierarchy(v)).collect();
                        compare(f.option, &actual, &values)
                    }
                }
            }
            Field::Path => f
                .values
                .iter()
                .any(|p| name::is_under(p, &parameter.name, f.option == Opt::Recursive)),
            Field::Type => compare(f.option, version.kind.name(), &f.values),
            Field::KeyId => version
                .key_id
                .as_deref()
                .is_some_and(|k| compare(f.option, k, &f.values)),
            Field::Tier => compare(f.option, version.tier.name(), &f.values),
            Field::DataType => compare(f.option, &version.data_type, &f.values),
            Field::Tag(key) => match parameter.tags.get(key) {
                None => false,
                Some(value) => f.values.is_empty() || compare(f.option, value, &f.values),
            },
            Field::Label => match parameter
                .versions
                .iter()
                .rev()
                .find(|v| v.labels.iter().any(|l| f.values.contains(l)))
            {
                Some(labelled) => {
                    version = labelled;
                    true
                }
                None => false,
            },
        };
        if !ok {
            return None;
        }
    }
    Some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(key: &str, option: Option<&str>, values: &[&str]) -> StringFilter {
        StringFilter {
            key: key.into(),
            option: option.map(Into::into),
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        }
    }

    fn code(filters: &[StringFilter], usage: Use) -> String {
        compile(filters, usage)
            .map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.code.to_string())
    }

    #[test]
    fn keys_per_operation() {
        assert_eq!(
            code(&[f("Label", None, &["a"])], Use::Describe),
            "InvalidFilterKey"
        );
        assert_eq!(code(&[f("Label", None, &["a"])], Use::ByPath), "ok");
        assert_eq!(
            code(&[f("Name", None, &["a"])], Use::ByPath),
            "InvalidFilterKey"
        );
        assert_eq!(
            code(&[f("tag:team", None, &["a"])], Use::ByPath),
            "InvalidFilterKey"
        );
        assert_eq!(code(&[f("Tier", None, &["Standard"])], Use::Describe), "ok");
        assert_eq!(
            code(&[f("Bogus", None, &["a"])], Use::Describe),
            "ValidationException"
        );
        assert_eq!(
            code(
                &[f("Type", None, &["String"]), f("Type", None, &["String"])],
                Use::Describe
            ),
            "InvalidFilterKey"
        );
    }

    #[test]
    fn options_and_values() {
        assert_eq!(
            code(&[f("Name", Some("Contains"), &["x"])], Use::Describe),
            "ok"
        );
        assert_eq!(
            code(&[f("Type", Some("Contains"), &["String"])], Use::Describe),
            "InvalidFilterOption"
        );
        assert_eq!(
            code(&[f("Path", Some("Equals"), &["/a"])], Use::Describe),
            "InvalidFilterOption"
        );
        assert_eq!(
            code(&[f("Label", Some("BeginsWith"), &["a"])], Use::ByPath),
            "InvalidFilterOption"
        );
        assert_eq!(
            code(&[f("Type", None, &["Nope"])], Use::Describe),
            "InvalidFilterOption"
        );
        assert_eq!(
            code(&[f("Type", None, &[])], Use::Describe),
            "InvalidFilterValue"
        );
        assert_eq!(
            code(&[f("Path", None, &["/aws/service"])], Use::Describe),
            "ValidationException"
        );
        assert_eq!(
            code(&[f("Path", None, &["no-slash"])], Use::Describe),
            "ValidationException"
        );
    }
}
