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
    /// A folded expression: arithmetic, a parenthesised value, an unknown function's call.
    Expr,
    /// A folded call of a known SQL function.
    Call,
    /// `@var` / `@@var`.
    Var,
    /// A symbolic comparison operator: = < > <= >= <> !=.
    Cmp,
    /// A word comparison operator: like, rlike, regexp, is, in, between, sounds, glob, match.
    WordCmp,
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
    /// insert, update, delete, drop, declare, shutdown, create, alter, truncate.
    Stacked,
    /// exec / execute.
    Exec,
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
    /// Any other word directly followed by `(`.
    Generic,
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

fn classify_word(w: &[u8], next_is_paren: bool, paren_adjacent: bool) -> Tok {
    // Every keyword and known function is short: longer words are plain words or calls.
    let mut buf = [0u8; 32];
    let Some(lower) = buf.get_mut(..w.len()) else {
        return if paren_adjacent {
            Tok::Func(Func::Generic)
        } else {
            Tok::Word
        };
    };
    lower.copy_from_slice(w);
    lower.make_ascii_lowercase();
    let s = std::str::from_utf8(lower).unwrap_or("");
    if next_is_paren {
        if DANGEROUS_FUNCS.contains(&s) {
            return Tok::Func(Func::Dangerous);
        }
        if COMMON_FUNCS.contains(&s) {
            return Tok::Func(Func::Common);
        }
    }
    let keyword = matches!(
        s,
        "and"
            | "or"
            | "xor"
            | "not"
            | "like"
            | "rlike"
            | "regexp"
            | "is"
            | "in"
            | "between"
            | "select"
            | "union"
            | "insert"
            | "update"
            | "delete"
            | "drop"
            | "declare"
            | "exec"
            | "execute"
            | "from"
            | "where"
            | "having"
            | "values"
            | "exists"
            | "sounds"
            | "glob"
            | "match"
            | "when"
            | "then"
            | "else"
            | "div"
            | "mod"
    );
    if paren_adjacent && !keyword {
        return Tok::Func(Func::Generic);
    }
    match s {
        "and" | "or" | "xor" | "not" => Tok::Logic,
        "like" | "rlike" | "regexp" | "is" | "in" | "between" | "sounds" | "glob" | "match" => {
            Tok::WordCmp
        }
        "div" | "mod" => Tok::Op,
        "select" => Tok::Cmd(Cmd::Select),
        "union" => Tok::Cmd(Cmd::Union),
        "insert" | "update" | "delete" | "drop" | "declare" | "shutdown" | "create" | "alter"
        | "truncate" => Tok::Cmd(Cmd::Stacked),
        "exec" | "execute" => Tok::Cmd(Cmd::Exec),
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
    while i < s.len() {
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
            b'#' if s
                .get(i + 1)
                .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_alphabetic()) =>
            {
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
                i = number_end(s, i);
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
                toks.push(classify_word(
                    &s[start..i],
                    s.get(j) == Some(&b'('),
                    s.get(i) == Some(&b'('),
                ));
            }
            _ => {
                toks.push(Tok::Word);
                i += 1;
            }
        }
    }
    toks
}

/// The end of a numeric literal at `i`: hex `0x..`/binary `0b..`, or digits with an optional
/// fraction and exponent (MySQL reads `1e1AND` as the number `1e1` then `AND`).
fn number_end(s: &[u8], mut i: usize) -> usize {
    if s[i] == b'0' && matches!(s.get(i + 1), Some(b'x' | b'X' | b'b' | b'B')) {
        i += 2;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E'))
        && s.get(i + 1)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'-' || *c == b'+')
    {
        i += 2;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    i
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
    matches!(
        t,
        Tok::Str | Tok::Num | Tok::Word | Tok::Var | Tok::Func(_) | Tok::Expr | Tok::Call
    )
}

/// The most folding passes (enough for expressions nested this deep).
const FOLD_PASSES: usize = 12;

fn is_operand(t: Tok) -> bool {
    matches!(
        t,
        Tok::Str | Tok::Num | Tok::Word | Tok::Var | Tok::Expr | Tok::Call
    )
}

/// Folds expressions into [`Tok::Expr`]/[`Tok::Call`] until nothing changes or after
/// [`FOLD_PASSES`] passes (each pass is linear, so folding is too): `f(...)` with a flat
/// argument list, `( x )`, `x op y`, and a leading unary `-x`/`~x`. Nested calls of known SQL
/// functions (`ascii(substring(`) are reported as a signature before folding hides them.
fn fold(toks: &mut Vec<Tok>, keep_first: bool) {
    for _ in 0..FOLD_PASSES {
        let before = toks.len();
        let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
        let mut i = 0;
        // In a quote context the first token is the closed literal: keep it for the break check.
        if keep_first && let Some(&first) = toks.first() {
            out.push(first);
            i = 1;
        }
        while i < toks.len() {
            let t = toks[i];
            // f( a, b, ... )
            if matches!(t, Tok::Func(_)) && toks.get(i + 1) == Some(&Tok::Open) {
                let mut j = i + 2;
                while j < toks.len()
                    && (is_operand(toks[j])
                        || matches!(toks[j], Tok::Comma | Tok::Op | Tok::Cmp | Tok::Clause(_)))
                {
                    j += 1;
                }
                if toks.get(j) == Some(&Tok::Close) {
                    out.push(if t == Tok::Func(Func::Generic) {
                        Tok::Expr
                    } else {
                        Tok::Call
                    });
                    i = j + 1;
                    continue;
                }
            }
            // ( x )
            if t == Tok::Open
                && toks.get(i + 1).is_some_and(|x| is_operand(*x))
                && toks.get(i + 2) == Some(&Tok::Close)
            {
                out.push(Tok::Expr);
                i += 3;
                continue;
            }
            // x op y
            if is_operand(t)
                && toks.get(i + 1) == Some(&Tok::Op)
                && toks.get(i + 2).is_some_and(|x| is_operand(*x))
            {
                out.push(Tok::Expr);
                i += 3;
                continue;
            }
            // unary -x at the start or after an operator, comparison or logic
            if t == Tok::Op
                && toks.get(i + 1).is_some_and(|x| is_operand(*x))
                && out.last().is_none_or(|p| {
                    matches!(p, Tok::Cmp | Tok::Logic | Tok::Open | Tok::Comma | Tok::Op)
                })
            {
                out.push(Tok::Expr);
                i += 2;
                continue;
            }
            out.push(t);
            i += 1;
        }
        *toks = out;
        if toks.len() == before {
            return;
        }
    }
}

/// Calls of known SQL functions nested in each other (`ascii(substring(`, `concat(version(`).
fn nested_sql_calls(toks: &[Tok]) -> bool {
    let known = |t: Tok| matches!(t, Tok::Func(Func::Common | Func::Dangerous));
    toks.windows(3).any(|w| known(w[0]) && w[1] == Tok::Open && known(w[2]))
        // any_function(known_function()) such as `charset(current_user())`
        || toks
            .windows(5)
            .any(|w| matches!(w[0], Tok::Func(_)) && w[1] == Tok::Open && known(w[2]) && w[3] == Tok::Open && w[4] == Tok::Close)
}

/// Whether the token stream (of one context) shows an injection. `prefix_spaced`: in a quote
/// context, the text before the closing quote holds whitespace (prose rather than a value).
fn injected(toks: &[Tok], quoted: bool, prefix_spaced: bool, level: Sensitivity) -> bool {
    let high = level == Sensitivity::High;
    // A break out of the value at the start, then SQL.
    let Some(&first) = toks.first() else {
        return false;
    };
    if !is_value(first) {
        return false;
    }
    let mut k = 1;
    while toks.get(k) == Some(&Tok::Close) {
        k += 1;
    }
    let rest = &toks[k..];
    let Some(&after) = rest.first() else {
        return false;
    };
    let broke_out = quoted && first == Tok::Str;
    let closed_parens = k > 1;
    // What may follow a complete condition: the end, a comment, more logic, `)` or `;`.
    let ends_condition = |t: Option<&Tok>| {
        matches!(
            t,
            None | Some(Tok::Comment | Tok::Logic | Tok::Close | Tok::Semi)
        )
    };
    // `value op value` at `e`, closing the condition.
    let comparison = |e: &[Tok]| {
        e.len() >= 3
            && is_value(e[0])
            && (e[1] == Tok::Cmp
                || (e[1] == Tok::WordCmp && e[0] != Tok::Word && e[2] != Tok::Word))
            && is_value(e[2])
            && ends_condition(e.get(3))
    };
    match after {
        Tok::Comment => broke_out && (!prefix_spaced || closed_parens),
        Tok::Logic => {
            // `OR NOT ...` reads like `OR ...`.
            let skip = rest[1..].iter().take_while(|t| **t == Tok::Logic).count();
            let expr = &rest[1 + skip..];
            let Some(&head) = expr.first() else {
                return false;
            };
            let func = matches!(head, Tok::Func(Func::Common | Func::Dangerous) | Tok::Call);
            let number = matches!(head, Tok::Num | Tok::Expr)
                && expr.len() > 1
                && ends_condition(expr.get(1));
            let paren = head == Tok::Open && expr.iter().take(8).any(|t| *t == Tok::Cmp);
            let select = matches!(head, Tok::Cmd(Cmd::Select))
                || (head == Tok::Open && expr.get(1) == Some(&Tok::Cmd(Cmd::Select)));
            if broke_out || closed_parens || matches!(first, Tok::Num | Tok::Expr) {
                comparison(expr) || func || number || paren || select
            } else {
                // A bare word then OR: only a tautology-looking comparison.
                (comparison(expr) && expr[0] == expr[2]) || (high && (func || comparison(expr)))
            }
        }
        Tok::Cmp if broke_out => {
            rest.len() >= 2 && is_value(rest[1]) && ends_condition(rest.get(2))
        }
        Tok::WordCmp if broke_out => high && rest.len() >= 2 && is_value(rest[1]),
        Tok::Clause(Clause::OrderGroup) if broke_out || closed_parens || high => {
            rest.get(1) == Some(&Tok::Clause(Clause::By))
                && matches!(rest.get(2), Some(Tok::Num | Tok::Word | Tok::Func(_)))
        }
        Tok::Clause(Clause::Having | Clause::Where) if broke_out => {
            rest.iter().take(5).any(|t| *t == Tok::Cmp)
        }
        Tok::Clause(Clause::Limit) if broke_out => rest.get(1) == Some(&Tok::Num),
        Tok::Semi if broke_out || closed_parens => {
            matches!(rest.get(1), Some(Tok::Cmd(_) | Tok::Comment))
                || (rest.len() == 1 && !prefix_spaced)
        }
        Tok::Op if broke_out => {
            rest.len() > 1
                && (matches!(rest[1], Tok::Func(_) | Tok::Var)
                    || (!prefix_spaced
                        && matches!(rest[1], Tok::Str | Tok::Num | Tok::Call | Tok::Expr)
                        && rest[2..].iter().any(|t| matches!(t, Tok::Cmp | Tok::Logic))))
        }
        _ => false,
    }
}

/// Signatures that mark an injection wherever they appear.
fn signature_at(toks: &[Tok], i: usize, high: bool) -> bool {
    let next = |k: usize| toks.get(i + k).copied();
    let prev = if i > 0 { Some(toks[i - 1]) } else { None };
    match toks[i] {
        Tok::Cmd(Cmd::Union) => {
            let mut k = 1;
            while matches!(
                next(k),
                Some(Tok::Clause(Clause::Other) | Tok::Open | Tok::Comment)
            ) {
                k += 1;
            }
            next(k) == Some(Tok::Cmd(Cmd::Select))
        }
        Tok::Semi => {
            let mut k = 1;
            while next(k) == Some(Tok::Comment) {
                k += 1;
            }
            match next(k) {
                Some(Tok::Cmd(Cmd::Exec)) => {
                    matches!(
                        next(k + 1),
                        Some(Tok::Word | Tok::Var | Tok::Open | Tok::Str | Tok::Func(_))
                    ) && (high
                        || next(k + 1) != Some(Tok::Word)
                        || matches!(
                            next(k + 2),
                            Some(Tok::Var | Tok::Str | Tok::Semi | Tok::Comment) | None
                        ))
                }
                Some(Tok::Cmd(Cmd::Select)) => {
                    !matches!(next(k + 1), Some(Tok::Word))
                        || matches!(next(k + 2), Some(Tok::Clause(Clause::From) | Tok::Comma))
                }
                Some(Tok::Cmd(_)) => {
                    !matches!(next(k + 1), None | Some(Tok::Word))
                        || matches!(next(k + 2), None | Some(Tok::Comment | Tok::Semi))
                        || high
                }
                _ => false,
            }
        }
        Tok::Cmd(Cmd::Waitfor) => next(1) == Some(Tok::Clause(Clause::Delay)),
        Tok::Clause(Clause::Into) => next(1) == Some(Tok::Clause(Clause::Outfile)),
        Tok::Func(Func::Dangerous) => !matches!(prev, Some(Tok::Word) | None) || toks.len() > 4,
        Tok::Cmd(Cmd::Select) => {
            // SELECT <expression> FROM / SELECT func(...) / SELECT @@var
            let strong = matches!(next(1), Some(Tok::Func(_) | Tok::Var | Tok::Op | Tok::Num))
                || (matches!(next(1), Some(Tok::Word)) && matches!(next(2), Some(Tok::Comma)));
            let known_call = matches!(next(1), Some(Tok::Func(Func::Common | Func::Dangerous)));
            let from_follows = toks[i + 1..]
                .iter()
                .take(16)
                .any(|t| *t == Tok::Clause(Clause::From));
            // `(SELECT ... FROM` is a subquery; `= (SELECT` compares with one.
            let subquery =
                prev == Some(Tok::Open) && (from_follows || (i >= 2 && toks[i - 2] == Tok::Cmp));
            (strong && (from_follows || prev == Some(Tok::Open)))
                || known_call
                || subquery
                || (high && from_follows)
        }
        Tok::Cmd(Cmd::Exec) if next(1) == Some(Tok::Word) && next(2) == Some(Tok::Var) => true,
        Tok::Cmd(Cmd::Stacked | Cmd::Exec) => high && matches!(prev, Some(Tok::Str | Tok::Close)),
        Tok::Var => {
            high && matches!(
                prev,
                Some(Tok::Cmp | Tok::Op | Tok::Comma | Tok::Open | Tok::Cmd(Cmd::Select))
            )
        }
        _ => false,
    }
}

/// Tokenizes `value` in each context and checks it.
fn check(value: &[u8], quote: Option<u8>, level: Sensitivity) -> bool {
    let prefix_spaced = quote.is_some_and(|q| {
        value
            .iter()
            .take_while(|&&b| b != q)
            .any(|b| b.is_ascii_whitespace())
    });
    let mut toks = tokenize(value, quote);
    let high = level == Sensitivity::High;
    if nested_sql_calls(&toks) || (0..toks.len()).any(|i| signature_at(&toks, i, high)) {
        return true;
    }
    fold(&mut toks, quote.is_some());
    injected(&toks, quote.is_some(), prefix_spaced, level)
}

/// Whether `value` looks like SQL injection.
pub fn is_sqli(value: &[u8], level: Sensitivity) -> bool {
    [None, Some(b'\''), Some(b'"')]
        .into_iter()
        .any(|q| check(value, q, level))
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
            "' or 'a' like 'a",
            "foo' and 1+2+3+4+5+6=21--",
            "HOPE AND -8=-3",
            "234 + (1 / ASCII(substring(passwd,1,1))-4)",
            "-1134') OR JSON_EXTRACT('{}', '$.a') = 9648*7799 AND ('QlYa' LIKE 'QlYa",
            "1 or 1=(SELECT TOP 1 pName from tblWebsiteUsers)--",
            "(select id from users limit 1,1)",
            "X' - 'Y' - 0 = '1",
            "'or not false #aa",
            "1e1AND-0.0UNION SELECT 2",
            "CHARSET(CURRENT_USER())",
            "EXEC sp_add_job @job_name = 'TestJob';",
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
            "1950 or 1960",
            "DANCIN' LIKE A ROBOT ON FIRE",
            "\"NOT ALL WHO WANDER\"",
            "necklace length 16\" or 18\"",
            "BAMBOO CHARCOAL SOAP 1 '#",
            "7\" #2 CIRCULAR NEEDLE",
            "1; exec will create the case 7",
            "Apt is gated; call when you get here, and we'll come down to get it.",
            "union was a great select",
            "1/4\"-1/2\" WIDE RIBBON",
            "4' + X + 4' + WOOD",
            "\"MOD\" \"KITCHEN\"",
            "exec noun",
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
        assert!(is_sqli(b"1 union select null,@@version", Sensitivity::High));
        assert!(
            !is_sqli(b"john or@var.es", Sensitivity::High),
            "an e-mail address is not a variable"
        );
    }
}
