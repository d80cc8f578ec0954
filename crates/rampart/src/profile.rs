//! `rampart credentials --profile NAME`: writes the root key as a named profile of the AWS CLI
//! and SDKs (the shared credentials and config files, with `endpoint_url` and `region`), so
//! that `aws --profile NAME ...` and `boto3.Session(profile_name=NAME)` talk to rampart.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// What a profile holds.
pub struct Profile<'a> {
    /// The profile's name (`default` is the default profile).
    pub name: &'a str,
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// rampart's endpoint.
    pub endpoint: &'a str,
    /// The default region.
    pub region: &'a str,
}

/// Writes `profile` into the shared credentials and config files (`AWS_SHARED_CREDENTIALS_FILE`
/// and `AWS_CONFIG_FILE`, else `~/.aws/credentials` and `~/.aws/config`), replacing a profile
/// of the same name and keeping every other; the two paths written.
pub fn write(profile: &Profile<'_>) -> Result<(PathBuf, PathBuf), String> {
    if profile.name.is_empty()
        || !profile
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!("`{}` is not a profile name", profile.name));
    }
    let credentials = shared_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")?;
    let config = shared_file("AWS_CONFIG_FILE", "config")?;
    let credentials_section = Zeroizing::new(format!(
        "[{}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        profile.name, profile.access_key_id, profile.secret_access_key
    ));
    let config_header = match profile.name {
        "default" => "[default]".to_owned(),
        name => format!("[profile {name}]"),
    };
    let config_section = format!(
        "{config_header}\nregion = {}\nendpoint_url = {}\n",
        profile.region, profile.endpoint
    );
    replace_section(
        &credentials,
        &format!("[{}]", profile.name),
        &credentials_section,
    )?;
    replace_section(&config, &config_header, &config_section)?;
    Ok((credentials, config))
}

fn shared_file(variable: &str, name: &str) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(variable) {
        return Ok(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    Ok(Path::new(&home).join(".aws").join(name))
}

/// Rewrites the INI file at `path` with the section headed `header` replaced by `section`
/// (or appended), readable by its owner only.
fn replace_section(path: &Path, header: &str, section: &str) -> Result<(), String> {
    let old = Zeroizing::new(match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    });
    let mut kept = Zeroizing::new(String::new());
    let mut inside = false;
    for line in old.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == header;
        }
        if !inside {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    if !kept.is_empty() && !kept.ends_with("\n\n") {
        kept.push('\n');
    }
    kept.push_str(section);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // A file that existed keeps its mode through `open`: it now holds a secret.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .and_then(|()| file.write_all(kept.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_replaces_its_namesake_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(
            &path,
            "[default]\naws_access_key_id = A\n\n[rampart]\naws_access_key_id = OLD\n\n[other]\nx = 1\n",
        )
        .unwrap();
        replace_section(&path, "[rampart]", "[rampart]\naws_access_key_id = NEW\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("[default]\naws_access_key_id = A"));
        assert!(text.contains("[other]\nx = 1"));
        assert!(text.contains("[rampart]\naws_access_key_id = NEW"));
        assert!(!text.contains("OLD"));
        assert_eq!(text.matches("[rampart]").count(), 1);
    }
}
