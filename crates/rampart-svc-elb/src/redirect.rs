//! Redirect actions: validation of a `RedirectConfig` (AWS's defaults filled in, as
//! DescribeRules shows them) and the `Location` a request is sent to.
//!
//! Components are `Protocol` (`HTTP`, `HTTPS` or `#{protocol}`), `Port` (1-65535 or
//! `#{port}`), `Host`, `Path` (starts with `/`) and `Query` (no leading `?`); each may use the
//! request's `#{protocol}`, `#{host}`, `#{port}`, `#{path}` (without its leading `/`) and
//! `#{query}`. A port that is the protocol's default is left out of the URL, an empty query
//! leaves out the `?`, and a configuration that keeps every component would redirect to
//! itself, which AWS refuses.

use crate::errors;
use rampart_protocol::AwsError;
use serde_json::{Value, json};

/// The longest host, path or query.
const MAX_COMPONENT: usize = 128;

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidLoadBalancerAction", 400, message)
}

/// Validates a redirect action's `RedirectConfig` and fills in the defaults.
pub(crate) fn check(config: Option<&Value>) -> Result<Value, AwsError> {
    let Some(c) = config else {
        return Err(errors::validation(
            "A redirect action must have a 'RedirectConfig'",
        ));
    };
    let text = |k: &str, default: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let status = text("StatusCode", "");
    if !matches!(status.as_str(), "HTTP_301" | "HTTP_302") {
        return Err(errors::validation(format!(
            "Redirect status code '{status}' must be HTTP_301 or HTTP_302"
        )));
    }
    let protocol = text("Protocol", "#{protocol}");
    if !matches!(protocol.as_str(), "HTTP" | "HTTPS" | "#{protocol}") {
        return Err(invalid(format!(
            "Redirect protocol '{protocol}' must be HTTP, HTTPS or #{{protocol}}"
        )));
    }
    let port = text("Port", "#{port}");
    if port != "#{port}" && !port.parse::<u16>().is_ok_and(|p| p > 0) {
        return Err(invalid(format!(
            "Redirect port '{port}' must be 1-65535 or #{{port}}"
        )));
    }
    let host = text("Host", "#{host}");
    let path = text("Path", "/#{path}");
    let query = text("Query", "#{query}");
    if host.is_empty() || host.len() > MAX_COMPONENT {
        return Err(invalid("A redirect host must be 1 to 128 characters long"));
    }
    if !path.starts_with('/') || path.len() > MAX_COMPONENT {
        return Err(invalid(
            "A redirect path must start with '/' and be at most 128 characters long",
        ));
    }
    if query.starts_with('?') || query.len() > MAX_COMPONENT {
        return Err(invalid(
            "A redirect query must not start with '?' and be at most 128 characters long",
        ));
    }
    let unchanged = protocol == "#{protocol}"
        && port == "#{port}"
        && host == "#{host}"
        && path == "/#{path}"
        && query == "#{query}";
    if unchanged {
        return Err(invalid(
            "The redirect configuration is not valid: it would redirect a request to itself",
        ));
    }
    Ok(
        json!({"Protocol": protocol, "Port": port, "Host": host, "Path": path,
              "Query": query, "StatusCode": status}),
    )
}

/// The request a redirect substitutes from.
pub(crate) struct Original<'a> {
    /// `http` or `https`.
    pub protocol: &'a str,
    /// The Host header without its port.
    pub host: &'a str,
    /// The listener's port.
    pub port: u16,
    /// The path, with its leading `/`.
    pub path: &'a str,
    /// The query string without `?`.
    pub query: &'a str,
}

fn substitute(template: &str, o: &Original<'_>) -> String {
    template
        .replace("#{protocol}", o.protocol)
        .replace("#{host}", o.host)
        .replace("#{port}", &o.port.to_string())
        .replace("#{path}", o.path.strip_prefix('/').unwrap_or(o.path))
        .replace("#{query}", o.query)
}

/// The status and `Location` of a redirect with the (checked) `config`.
pub(crate) fn location(config: &Value, o: &Original<'_>) -> (u16, String) {
    let field = |k: &str| config.get(k).and_then(Value::as_str).unwrap_or_default();
    let status = if field("StatusCode") == "HTTP_301" {
        301
    } else {
        302
    };
    let protocol = substitute(field("Protocol"), o).to_ascii_lowercase();
    let port = substitute(field("Port"), o);
    let host = substitute(field("Host"), o);
    let path = substitute(field("Path"), o);
    let query = substitute(field("Query"), o);
    let default_port = matches!(
        (protocol.as_str(), port.as_str()),
        ("http", "80") | ("https", "443")
    );
    let mut url = format!("{protocol}://{host}");
    if !default_port {
        url.push(':');
        url.push_str(&port);
    }
    url.push_str(&path);
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    (status, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: Original<'static> = Original {
        protocol: "http",
        host: "example.com",
        port: 80,
        path: "/a/b",
        query: "x=1",
    };

    #[test]
    fn http_to_https_keeps_the_rest() {
        let c = check(Some(
            &json!({"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}),
        ))
        .unwrap();
        assert_eq!(c["Path"], "/#{path}");
        assert_eq!(
            location(&c, &ORIGINAL),
            (301, "https://example.com/a/b?x=1".to_owned())
        );
    }

    #[test]
    fn substitutions_and_ports() {
        let c = check(Some(
            &json!({"Host": "new.#{host}", "Port": "8443", "Path": "/v2/#{path}",
            "Query": "from=#{port}", "StatusCode": "HTTP_302"}),
        ))
        .unwrap();
        assert_eq!(
            location(&c, &ORIGINAL),
            (302, "http://new.example.com:8443/v2/a/b?from=80".to_owned())
        );
        let no_query = check(Some(&json!({"Query": "", "StatusCode": "HTTP_302"}))).unwrap();
        assert_eq!(location(&no_query, &ORIGINAL).1, "http://example.com/a/b");
    }

    #[test]
    fn refused() {
        for bad in [
            json!({"StatusCode": "HTTP_301"}),
            json!({"StatusCode": "HTTP_307", "Protocol": "HTTPS"}),
            json!({"StatusCode": "HTTP_301", "Protocol": "FTP"}),
            json!({"StatusCode": "HTTP_301", "Port": "0"}),
            json!({"StatusCode": "HTTP_301", "Path": "no-slash"}),
            json!({"StatusCode": "HTTP_301", "Query": "?x"}),
        ] {
            assert!(check(Some(&bad)).is_err(), "{bad}");
        }
        assert!(check(None).is_err());
    }
}
