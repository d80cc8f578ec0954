//! Which action a request gets on a listener: its rules in priority order (the first whose
//! conditions all match), else the default action. Conditions are compiled once per
//! configuration change, not per request.

use crate::conditions::{self, Condition, Facts};
use crate::records::Listener;
use serde_json::Value;
use tokio_rustls::TlsAcceptor;

/// A listener's settings with its rules compiled.
pub(crate) struct Routed {
    /// The listener as stored.
    pub listener: Listener,
    /// The TLS acceptor of an HTTPS listener whose certificate could be loaded.
    pub tls: Option<TlsAcceptor>,
    rules: Vec<(Vec<Condition>, Value)>,
}

impl Routed {
    /// Compiles `listener`'s rules (a stored rule that no longer parses is left out); `tls`
    /// serves an HTTPS listener.
    pub(crate) fn new(listener: Listener, tls: Option<TlsAcceptor>) -> Routed {
        let mut rules: Vec<_> = listener.rules.iter().collect();
        rules.sort_by_key(|r| r.priority);
        let rules = rules
            .into_iter()
            .filter_map(|r| {
                let (compiled, _) = conditions::parse(&r.conditions).ok()?;
                Some((compiled, r.actions.first()?.clone()))
            })
            .collect();
        Routed {
            listener,
            tls,
            rules,
        }
    }

    /// The action for a request with `facts`.
    pub(crate) fn action(&self, facts: &Facts<'_>) -> Option<&Value> {
        self.rules
            .iter()
            .find(|(conds, _)| conds.iter().all(|c| c.matches(facts)))
            .map(|(_, a)| a)
            .or_else(|| self.listener.default_actions.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Rule;
    use serde_json::json;

    #[test]
    fn first_matching_rule_by_priority_else_default() {
        let rule = |id: &str, priority, path: &str, status: &str| Rule {
            id: id.into(),
            priority,
            conditions: vec![json!({"Field": "path-pattern", "Values": [path]})],
            actions: vec![
                json!({"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": status}}),
            ],
            tags: vec![],
        };
        let listener = Listener {
            arn: "l".into(),
            load_balancer_arn: "lb".into(),
            port: 80,
            protocol: "HTTP".into(),
            default_actions: vec![
                json!({"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}),
            ],
            certificates: vec![],
            ssl_policy: None,
            tags: vec![],
            extra_certificates: vec![],
            rules: vec![
                rule("b", 20, "/api/*", "201"),
                rule("a", 10, "/api/v1/*", "200"),
            ],
        };
        let routed = Routed::new(listener, None);
        let headers = http::HeaderMap::new();
        let status = |path: &str| {
            let facts = Facts {
                host: "x",
                path,
                query: "",
                method: "GET",
                headers: &headers,
                source: "127.0.0.1".parse().unwrap(),
            };
            routed.action(&facts).unwrap()["FixedResponseConfig"]["StatusCode"].clone()
        };
        assert_eq!(status("/api/v1/x"), "200");
        assert_eq!(status("/api/v2"), "201");
        assert_eq!(status("/other"), "404");
    }
}
