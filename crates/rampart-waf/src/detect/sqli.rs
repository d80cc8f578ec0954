//! SQL injection detection: tokenize the value as SQL three ways (as it is, as if it started
//! inside a single-quoted and inside a double-quoted string literal) and look for token
//! sequences that only an injection produces: a closed literal followed by a boolean operator
//! or a comment, `UNION SELECT`, stacked statements, time-delay functions, tautologies.

/// How eager the detector is (`SensitivityLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    /// `LOW`: only high-confidence signatures.
    Low,
    /// `HIGH`: also weaker signatures (more false positives).
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A string literal (possibly unterminated).
    Str,
    Num,
    /// `and`, `or`, `xor`, `not`, `&&`, `||`.
    Logic,
    /// A statement keyword: select, insert, drop, ...
    Cmd(Cmd),
    /// A keyword that continues a query: from, where, order, group, having, limit, into, by ...
    Clause(Clause),
    /// A function name directly followed by `(`.
    Func(Func),
    /// Any other bare word.
    Word,
    /// `@var` / `@@var`.
    Var,
    /// A comparison operator: = < > <= >= <> != like regexp in is between.
    Cmp,
    /// Any other operator.
    Op,
    Open,
    Close,
    Comma,
    Semi,
    Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Select,
    Union,
    Stacked,
    Waitfor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clause {
    From,
    Where,
    OrderGroup,
    By,
    Having,
    Into,
    Outfile,
    Limit,
    Delay,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    /// Time delays and side effects: sleep, benchmark, pg_sleep, xp_cmdshell, load_file ...
    Dangerous,
    /// Everyday SQL functions: char, concat, ascii, substring, version, database ...
    Common,
}

const DANGEROUS_FUNCS: &[&str] = &[
    "sleep",
    "benchmark",
    "pg_sleep",
    "xp_cmdshell",
    "load_file",
    "sys_eval",
    "sys_exec",
    "extractvalue",
    "updatexml",
    "utl_inaddr.get_host_address",
    "dbms_pipe.receive_message",
    "randomblob",
    "exp",
    "geometrycollection",
    "polygon",
    "multipoint",
    "name_const",
    "get_lock",
    "dbms_lock.sleep",
    "sp_executesql",
    "openrowset",
    "opendatasource",
];

const COMMON_FUNCS: &[&str] = &[
    "char",
    "chr",
    "concat",
    "concat_ws",
    "group_concat",
    "ascii",
    "ord",
    "substring",
    "substr",
    "mid",
    "version",
    "database",
    "user",
    "current_user",
    "system_user",
    "session_user",
    "schema",
    "count",
    "if",
    "ifnull",
    "isnull",
    "nullif",
    "coalesce",
    "cast",
    "convert",
    "hex",
    "unhex",
    "md5",
    "length",
    "len",
    "lower",
    "upper",
    "left",
    "right",
    "rand",
    "floor",
    "instr",
    "locate",
    "position",
    "replace",
    "reverse",
    "elt",
    "make_set",
    "unicode",
    "nchar",
    "db_name",
    "host_name",
    "suser_name",
    "is_srvrolemember",
    "char_length",
    "row",
    "to_char",
    "chr",
    "sqlite_version",
    "pg_read_file",
    "current_database",
    "quote",
    "iif",
    "case",
    "field",
    "trim",
    "min",
    "max",
    "sum",
    "avg",
    "now",
    "sysdate",
    "curdate",
    "exists",
];

fn classify_word(w: &[u8], next_is_paren: bool) -> Tok {
    let lower = w.to_ascii_lowercase();
    let s = std::str::from_utf8(&lower).unwrap_or("");
    if next_is_paren {
        if DANGEROUS_FUNCS.contains(&s) {
            return Tok::Func(Func::Dangerous);
        }
        if COMMON_FUNCS.contains(&s) {
            return Tok::Func(Func::Common);
        }
    }
    match s {
        "and" | "or" | "xor" | "not" => Tok::Logic,
        "like" | "rlike" | "regexp" | "is" | "in" | "between" | "sounds" | "glob" | "match" => {
            Tok::Cmp
        }
        "div" | "mod" => Tok::Op,
        "select" => Tok::Cmd(Cmd::Select),
        "union" => Tok::Cmd(Cmd::Union),
        "insert" | "update" | "delete" | "drop" | "exec" | "execute" | "declare" | "shutdown"
        | "create" | "alter" | "truncate" | "grant" | "revoke" | "call" | "handler" | "load" => {
            Tok::Cmd(Cmd::Stacked)
        }
        "waitfor" => Tok::Cmd(Cmd::Waitfor),
        "from" => Tok::Clause(Clause::From),
        "where" => Tok::Clause(Clause::Where),
        "order" | "group" => Tok::Clause(Clause::OrderGroup),
        "by" => Tok::Clause(Clause::By),
        "having" => Tok::Clause(Clause::Having),
        "into" => Tok::Clause(Clause::Into),
        "outfile" | "dumpfile" => Tok::Clause(Clause::Outfile),
        "limit" | "offset" => Tok::Clause(Clause::Limit),
        "delay" | "time" => Tok::Clause(Clause::Delay),
        "null" | "true" | "false" => Tok::Num,
        "all" | "distinct" | "top" | "as" | "procedure" | "analyse" | "collate" | "escape"
        | "information_schema" | "sysobjects" | "syscolumns" | "pg_catalog" | "sqlite_master"
        | "mysql" | "dual" | "table" | "tables" | "columns" | "values" | "set" | "then"
        | "else" | "end" | "when" => Tok::Clause(Clause::Other),
        _ => Tok::Word,
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'.' || b >= 0x80
}

/// Tokenizes `s`; `quote` is the literal the input starts inside of, if any.
fn tokenize(s: &[u8], quote: Option<u8>) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut i = 0;
    if let Some(q) = quote {
        match find_close(s, 0, q) {
            Some(end) => {
                toks.push(Tok::Str);
                i = end + 1;
            }
            None => return toks,
        }
    }
    while i < s.len() && toks.len() < 256 {
        let b = s[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0 | 0 => i += 1,
            b'\'' | b'"' | b'`' => {
                toks.push(if b == b'`' { Tok::Word } else { Tok::Str });
                i = find_close(s, i + 1, b).map_or(s.len(), |e| e + 1);
            }
            b'-' if s.get(i + 1) == Some(&b'-') => {
                toks.push(Tok::Comment);
                i = s[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(s.len(), |p| i + p + 1);
            }
            b'#' => {
                toks.push(Tok::Comment);
                i = s[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(s.len(), |p| i + p + 1);
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                // MySQL executable comments (`/*!...*/`) carry SQL: skip only the marker.
                if s.get(i + 2) == Some(&b'!') {
                    i += 3;
                    while i < s.len() && s[i].is_ascii_digit() {
                        i += 1;
                    }
                    continue;
                }
                toks.push(Tok::Comment);
                i = s[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(s.len(), |p| i + 2 + p + 2);
            }
            b'*' if s.get(i + 1) == Some(&b'/') => i += 2,
            b'0'..=b'9' => {
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'.') {
                    i += 1;
                }
                toks.push(Tok::Num);
            }
            b'@' => {
                while i < s.len() && (s[i] == b'@' || is_word_byte(s[i])) {
                    i += 1;
                }
                toks.push(Tok::Var);
            }
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            b';' => {
                toks.push(Tok::Semi);
                i += 1;
            }
            b'|' | b'&' if s.get(i + 1) == Some(&b) => {
                toks.push(Tok::Logic);
                i += 2;
            }
            b'=' | b'<' | b'>' | b'!' => {
                while i < s.len() && matches!(s[i], b'=' | b'<' | b'>' | b'!') {
                    i += 1;
                }
                toks.push(Tok::Cmp);
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&' | b'~' | b':' => {
                toks.push(Tok::Op);
                i += 1;
            }
            b if is_word_byte(b) => {
                let start = i;
                while i < s.len() && is_word_byte(s[i]) {
                    i += 1;
                }
                let mut j = i;
                while j < s.len() && matches!(s[j], b' ' | b'\t') {
                    j += 1;
                }
                toks.push(classify_word(&s[start..i], s.get(j) == Some(&b'(')));
            }
            _ => {
                toks.push(Tok::Word);
                i += 1;
            }
        }
    }
    toks
}

/// The index of the closing `q` from `from` (a doubled quote or backslash escape continues
/// the literal).
fn find_close(s: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    while i < s.len() {
        if s[i] == b'\\' {
            i += 2;
            continue;
        }
        if s[i] == q {
            if s.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

fn is_value(t: Tok) -> bool {
    matches!(t, Tok::Str | Tok::Num | Tok::Word | Tok::Var | Tok::Func(_))
}

/// Whether the token stream (of one context) shows an injection.
fn injected(toks: &[Tok], quoted: bool, level: Sensitivity) -> bool {
    let high = level == Sensitivity::High;
    // Signatures anywhere in the stream.
    for (i, w) in toks.iter().enumerate() {
        let next = |k: usize| toks.get(i + k).copied();
        match *w {
            Tok::Cmd(Cmd::Union) => {
                let mut k = 1;
                while matches!(
                    next(k),
                    Some(Tok::Clause(Clause::Other) | Tok::Open | Tok::Comment)
                ) {
                    k += 1;
                }
                if next(k) == Some(Tok::Cmd(Cmd::Select)) {
                    return true;
                }
            }
            Tok::Semi => {
                let mut k = 1;
                while next(k) == Some(Tok::Comment) {
                    k += 1;
                }
                if matches!(next(k), Some(Tok::Cmd(_))) {
                    return true;
                }
            }
            Tok::Cmd(Cmd::Waitfor) if next(1) == Some(Tok::Clause(Clause::Delay)) => return true,
            Tok::Clause(Clause::Into) if next(1) == Some(Tok::Clause(Clause::Outfile)) => {
                return true;
            }
            Tok::Func(Func::Dangerous) if i > 0 && !matches!(toks[i - 1], Tok::Word) => {
                return true;
            }
            Tok::Cmd(Cmd::Select) => {
                // SELECT <expression> FROM / SELECT func(...) / SELECT @@var
                let strong = matches!(next(1), Some(Tok::Func(_) | Tok::Var | Tok::Op | Tok::Num))
                    || (matches!(next(1), Some(Tok::Word)) && matches!(next(2), Some(Tok::Comma)));
                let from_follows = toks[i + 1..]
                    .iter()
                    .take(8)
                    .any(|t| *t == Tok::Clause(Clause::From));
                if (strong && (from_follows || i > 0)) || (high && from_follows) {
                    return true;
                }
            }
            Tok::Cmd(Cmd::Stacked)
                if high && i > 0 && matches!(toks[i - 1], Tok::Str | Tok::Close) =>
            {
                return true;
            }
            Tok::Var if high && toks.len() > 1 => return true,
            _ => {}
        }
    }
    // A break out of the value at the start, then SQL.
    let mut k = 0;
    if !matches!(toks.first(), Some(t) if is_value(*t)) {
        return false;
    }
    let first = toks[0];
    k += 1;
    while toks.get(k) == Some(&Tok::Close) {
        k += 1;
    }
    let rest = &toks[k..];
    let Some(&after) = rest.first() else {
        return false;
    };
    let broke_out = quoted && first == Tok::Str;
    match after {
        Tok::Comment => broke_out && (k > 1 || rest.len() == 1 || high),
        Tok::Logic | Tok::Cmp if broke_out => rest.len() > 1 && !matches!(rest[1], Tok::Comment),
        Tok::Logic => {
            // value OR a=b / value AND func(...) / value OR (...)
            let expr = &rest[1..];
            let cmp =
                expr.len() >= 3 && is_value(expr[0]) && expr[1] == Tok::Cmp && is_value(expr[2]);
            let func = matches!(expr.first(), Some(Tok::Func(_)));
            let paren_cmp =
                expr.first() == Some(&Tok::Open) && expr.iter().take(6).any(|t| *t == Tok::Cmp);
            (cmp && (first == Tok::Num
                || expr[0] == expr[2]
                || expr.len() == 3
                || matches!(expr.get(3), Some(Tok::Comment))))
                || (func && first == Tok::Num)
                || (paren_cmp && first == Tok::Num)
                || (high && (cmp || func))
        }
        Tok::Clause(Clause::OrderGroup) if broke_out || high => {
            rest.get(1) == Some(&Tok::Clause(Clause::By))
        }
        Tok::Clause(Clause::Having | Clause::Where | Clause::Limit) => broke_out,
        Tok::Semi => broke_out && rest.len() > 1,
        Tok::Op if broke_out => rest.len() > 1 && matches!(rest[1], Tok::Func(_) | Tok::Var),
        _ => false,
    }
}

/// Whether `value` looks like SQL injection.
pub fn is_sqli(value: &[u8], level: Sensitivity) -> bool {
    [None, Some(b'\''), Some(b'"')]
        .into_iter()
        .any(|q| injected(&tokenize(value, q), q.is_some(), level))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn low(s: &str) -> bool {
        is_sqli(s.as_bytes(), Sensitivity::Low)
    }

    #[test]
    fn classic_payloads() {
        for p in [
            "' OR 1=1--",
            "' or '1'='1",
            "1' or '1'='1",
            "admin'--",
            "admin' #",
            "1 OR 1=1",
            "1 UNION SELECT username, password FROM users",
            "-1 union all select 1,2,3--",
            "1; DROP TABLE users",
            "'; exec xp_cmdshell('dir')--",
            "1 AND SLEEP(5)",
            "1' AND SLEEP(5) AND '1'='1",
            "'; WAITFOR DELAY '0:0:5'--",
            "') or ('1'='1",
            "1 and ascii(substring(database(),1,1))>64",
            "' union select null,@@version--",
            "1' ORDER BY 3--",
            "x' AND 1=(SELECT COUNT(*) FROM tabname); --",
            "1/*!UNION*/SELECT 1",
            "' INTO OUTFILE '/tmp/x",
        ] {
            assert!(low(p), "should detect {p:?}");
        }
    }

    #[test]
    fn benign_strings() {
        for s in [
            "O'Reilly",
            "select a product",
            "Please select the size you want from the list",
            "Rock 'n' roll",
            "I don't know, or do I?",
            "1 or 2 items",
            "price >= 10",
            "hello world",
            "The union of two sets",
            "john.doe@example.com",
            "it's 5 o'clock; time for tea",
            "C# and F# -- both .NET languages",
            "order by price",
            "1-2-3",
            "",
        ] {
            assert!(!low(s), "false positive on {s:?}");
        }
    }

    #[test]
    fn high_sensitivity_adds_weaker_signatures() {
        assert!(!low("select name from users"));
        assert!(is_sqli(b"select name from users", Sensitivity::High));
        assert!(!is_sqli(b"@@version", Sensitivity::Low));
    }
}
