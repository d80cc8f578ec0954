//! REST request-URI templates (`/{Bucket}/{Key+}?tagging`): parsing and matching.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// One path segment of a template.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    /// `prefix{name}suffix`, greedy (`{name+}`) labels take the rest of the path.
    Label {
        prefix: String,
        name: String,
        suffix: String,
        greedy: bool,
    },
}

/// A parsed request-URI template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    segments: Vec<Segment>,
    /// Literal query parameters the template requires (`?tagging`, `?list-type=2`).
    query: Vec<(String, Option<String>)>,
}

/// How specifically a template matched; higher is more specific.
pub type Specificity = (usize, usize, bool);

impl Template {
    /// Parses a template.
    pub fn parse(uri: &str) -> Template {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let segments = split_path(path)
            .map(|s| match (s.find('{'), s.rfind('}')) {
                (Some(open), Some(close)) if open < close => {
                    let inner = &s[open + 1..close];
                    let (name, greedy) = match inner.strip_suffix('+') {
                        Some(n) => (n, true),
                        None => (inner, false),
                    };
                    Segment::Label {
                        prefix: s[..open].to_owned(),
                        name: name.to_owned(),
                        suffix: s[close + 1..].to_owned(),
                        greedy,
                    }
                }
                _ => Segment::Literal(s.to_owned()),
            })
            .collect();
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                None => (p.to_owned(), None),
            })
            .collect();
        Template { segments, query }
    }

    /// Matches a raw (still percent-encoded) path and query; returns the decoded
    /// labels and the match's specificity.
    pub fn matches(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Option<(Vec<(String, String)>, Specificity)> {
        let mut query_matched = 0;
        for (key, value) in &self.query {
            let found = query.iter().find(|(k, _)| k == key);
            match (found, value) {
                // Clients send `x-id=<Operation>`; older ones omit it.
                (None, Some(_)) if key == "x-id" => {}
                (None, _) => return None,
                (Some((_, got)), Some(want)) if got != want => return None,
                _ => query_matched += 1,
            }
        }
        let parts: Vec<&str> = split_path(path).collect();
        let mut labels = Vec::new();
        let mut literal = 0;
        let mut greedy_used = false;
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Literal(l) => {
                    if parts.get(i).map(|p| decode(p)) != Some(Cow::Borrowed(l.as_str())) {
                        return None;
                    }
                    literal += 1;
                }
                Segment::Label {
                    prefix,
                    name,
                    suffix,
                    greedy,
                } => {
                    let raw = if *greedy {
                        greedy_used = true;
                        if i >= parts.len() {
                            return None;
                        }
                        Cow::Owned(parts[i..].join("/"))
                    } else {
                        Cow::Borrowed(*parts.get(i)?)
                    };
                    let inner = raw
                        .strip_prefix(prefix.as_str())?
                        .strip_suffix(suffix.as_str())?;
                    if inner.is_empty() {
                        return None;
                    }
                    labels.push((name.clone(), decode(inner).into_owned()));
                    if *greedy {
                        return (i + 1 == self.segments.len())
                            .then_some((labels, (query_matched, literal, !greedy_used)));
                    }
                }
            }
        }
        (parts.len() == self.segments.len())
            .then_some((labels, (query_matched, literal, !greedy_used)))
    }
}

/// Splits a path into segments: no leading slash, one trailing slash ignored.
fn split_path(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    trimmed.split('/').filter({
        let empty = trimmed.is_empty();
        move |_| !empty
    })
}

fn decode(s: &str) -> Cow<'_, str> {
    percent_decode_str(s).decode_utf8_lossy()
}

/// Parses a raw query string into decoded pairs (`+` is a space).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

/// Decodes one `application/x-www-form-urlencoded` component.
pub fn form_decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_and_greedy_labels() {
        let t = Template::parse("/{Bucket}/{Key+}");
        let (labels, _) = t.matches("/b/a/b%20c.txt", &[]).unwrap();
        assert_eq!(
            labels,
            vec![
                ("Bucket".into(), "b".into()),
                ("Key".into(), "a/b c.txt".into())
            ]
        );
        assert!(t.matches("/b", &[]).is_none());
        let t = Template::parse("/detector/{detectorId}/findings/get");
        assert!(t.matches("/detector/abc/findings/get", &[]).is_some());
        assert!(t.matches("/detector/abc/findings", &[]).is_none());
        assert!(Template::parse("/").matches("/", &[]).is_some());
        assert!(Template::parse("/").matches("/x", &[]).is_none());
    }

    #[test]
    fn query_literals_are_required_and_more_specific() {
        let plain = Template::parse("/{Bucket}");
        let tagging = Template::parse("/{Bucket}?tagging");
        let v2 = Template::parse("/{Bucket}?list-type=2");
        assert!(tagging.matches("/b", &[]).is_none());
        let (_, s1) = plain.matches("/b", &q(&[("tagging", "")])).unwrap();
        let (_, s2) = tagging.matches("/b", &q(&[("tagging", "")])).unwrap();
        assert!(s2 > s1);
        assert!(v2.matches("/b", &q(&[("list-type", "1")])).is_none());
        assert!(v2.matches("/b", &q(&[("list-type", "2")])).is_some());
        let get = Template::parse("/{Bucket}/{Key+}?x-id=GetObject");
        assert!(get.matches("/b/k", &[]).is_some());
        assert!(get.matches("/b/k", &q(&[("x-id", "PutObject")])).is_none());
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("a=b+c&d=%2F&e"),
            q(&[("a", "b c"), ("d", "/"), ("e", "")])
        );
    }
}
