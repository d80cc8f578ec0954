//! Evaluation of a compiled web ACL against one request (AWS's algorithm: rules by priority,
//! terminating and non-terminating actions, rule groups in place, labels at the end of each
//! matching rule, inserted headers applied after evaluation, the default action last).

use std::sync::Arc;

use crate::action::{Act, ActionKind, BlockResponse};
use crate::compile::{CRule, GroupRule, RuleBody, WebAcl};
use crate::context::{Ctx, MatchDetail};
use crate::rate::RateTracker;
use crate::request::Request;
use crate::statement::Outcome;

/// The kind of the rule that decided (`terminatingRuleType` in logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleType {
    /// A plain rule.
    Regular,
    /// A rate-based rule.
    RateBased,
    /// A rule of a customer rule group.
    Group,
    /// A rule of a managed rule group.
    ManagedRuleGroup,
}

impl RuleType {
    /// The log spelling: `REGULAR`, `RATE_BASED`, `GROUP`, `MANAGED_RULE_GROUP`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleType::Regular => "REGULAR",
            RuleType::RateBased => "RATE_BASED",
            RuleType::Group => "GROUP",
            RuleType::ManagedRuleGroup => "MANAGED_RULE_GROUP",
        }
    }
}

/// A rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// The web ACL's rule (for a group's rule: the rule referencing the group).
    pub rule: String,
    /// The rule inside the group, if the match was inside one.
    pub rule_within_group: Option<String>,
    /// The group, if inside one, as logs name it (`ruleGroupId`): `<vendor>#<name>` for a
    /// managed group, the ARN for a customer group.
    pub group: Option<String>,
    /// The kind of rule.
    pub rule_type: RuleType,
    /// The action the rule took (after per-rule overrides).
    pub action: ActionKind,
    /// The group's `OverrideAction` Count turned this terminating match into a count.
    pub overridden_to_count: bool,
    /// What matched.
    pub details: Vec<MatchDetail>,
}

/// How a request's token fared against a CAPTCHA or challenge rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOutcome {
    /// A valid token within its immunity time: the rule acted as Count.
    Accepted,
    /// No token (`TOKEN_MISSING`).
    Missing,
    /// A token whose solve time is older than the immunity time (`TOKEN_EXPIRED`).
    Expired,
    /// A token that failed verification (`TOKEN_INVALID`).
    Invalid,
}

/// The decision on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allow, Block, Captcha or Challenge (never Count).
    pub action: ActionKind,
    /// The rule that decided; `None` when the default action applied.
    pub terminating_rule: Option<RuleMatch>,
    /// For Block: the custom response, if configured (else 403).
    pub response: Option<Arc<BlockResponse>>,
    /// For Allow: headers to insert into the forwarded request (`x-amzn-waf-` names, last
    /// writer wins).
    pub inserted_headers: Vec<(String, String)>,
    /// Every label the request got, fully qualified, in order.
    pub labels: Vec<String>,
    /// Every rule that matched, in evaluation order (the terminating one last).
    pub matched_rules: Vec<RuleMatch>,
    /// The token outcome of the last CAPTCHA rule that matched.
    pub captcha: Option<TokenOutcome>,
    /// The token outcome of the last challenge rule that matched.
    pub challenge: Option<TokenOutcome>,
}

impl Verdict {
    /// The status code to answer with instead of forwarding: a Block's custom response code
    /// or 403, 405 for CAPTCHA, 202 for a challenge; `None` when the request is allowed.
    pub fn status(&self) -> Option<u16> {
        match self.action {
            ActionKind::Allow | ActionKind::Count => None,
            ActionKind::Block => Some(self.response.as_ref().map_or(403, |r| r.status)),
            ActionKind::Captcha => Some(405),
            ActionKind::Challenge => Some(202),
        }
    }
}

struct Run<'t> {
    tracker: &'t mut RateTracker,
    now: u64,
    headers: Vec<(String, String)>,
    matched: Vec<RuleMatch>,
    captcha: Option<TokenOutcome>,
    challenge: Option<TokenOutcome>,
}

struct Terminal {
    act: Act,
}

/// Where a rule sits (for reporting).
#[derive(Clone, Copy)]
struct Place<'a> {
    outer: Option<&'a str>,
    group: Option<&'a GroupRule>,
}

/// Evaluates `req` against `acl`, counting rate-based rules in `tracker` at `now` (Unix
/// seconds). Never panics; work is linear in the request size times the rules.
pub fn evaluate(acl: &WebAcl, req: &Request, tracker: &mut RateTracker, now: u64) -> Verdict {
    let mut ctx = Ctx::new(req, acl.body_limit, acl.slots, acl.geo.as_ref());
    let mut run = Run {
        tracker,
        now,
        headers: Vec::new(),
        matched: Vec::new(),
        captcha: None,
        challenge: None,
    };
    let terminal = run_rules(
        acl,
        &acl.rules,
        Place {
            outer: None,
            group: None,
        },
        &mut ctx,
        &mut run,
    );
    let (act, terminating_rule) = match terminal {
        Some(t) => (t.act, run.matched.last().cloned()),
        None => (acl.default.clone(), None),
    };
    let inserted_headers = if act.kind == ActionKind::Allow {
        let mut all = std::mem::take(&mut run.headers);
        all.extend(act.headers.iter().cloned());
        dedup_last_wins(all)
    } else {
        Vec::new()
    };
    Verdict {
        action: act.kind,
        terminating_rule,
        response: act.response.clone(),
        inserted_headers,
        labels: ctx.labels,
        matched_rules: run.matched,
        captcha: run.captcha,
        challenge: run.challenge,
    }
}

fn dedup_last_wins(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => out.push((name, value)),
        }
    }
    out
}

fn run_rules(
    acl: &WebAcl,
    rules: &[CRule],
    place: Place<'_>,
    ctx: &mut Ctx<'_>,
    run: &mut Run<'_>,
) -> Option<Terminal> {
    for rule in rules {
        match &rule.body {
            RuleBody::Group(g) => {
                if let Some(sd) = &g.scope_down {
                    ctx.details.clear();
                    if sd.eval(ctx) != Outcome::Match {
                        continue;
                    }
                }
                let inner = Place {
                    outer: Some(&rule.name),
                    group: Some(g),
                };
                if let Some(t) = run_rules(acl, &g.rules, inner, ctx, run) {
                    if g.count_override {
                        if let Some(last) = run.matched.last_mut() {
                            last.overridden_to_count = true;
                        }
                        continue;
                    }
                    return Some(t);
                }
            }
            RuleBody::Statement { stmt, action } => {
                ctx.details.clear();
                ctx.pending_labels.clear();
                let out = stmt.eval(ctx);
                let pending = std::mem::take(&mut ctx.pending_labels);
                add_labels(ctx, &pending);
                if out == Outcome::Match
                    && let Some(t) = act(acl, rule, action, RuleType::Regular, place, ctx, run)
                {
                    return Some(t);
                }
            }
            RuleBody::Rate { rate, action } => {
                ctx.details.clear();
                ctx.pending_labels.clear();
                let out = rate.eval(ctx, run.tracker, run.now);
                if out == Outcome::Match
                    && let Some(t) = act(acl, rule, action, RuleType::RateBased, place, ctx, run)
                {
                    return Some(t);
                }
            }
        }
    }
    None
}

fn add_labels(ctx: &mut Ctx<'_>, labels: &[String]) {
    for l in labels {
        if !ctx.labels.contains(l) {
            ctx.labels.push(l.clone());
        }
    }
}

/// Applies a matching rule's labels and action; `Some` when the action terminates.
fn act(
    acl: &WebAcl,
    rule: &CRule,
    action: &Act,
    rule_type: RuleType,
    place: Place<'_>,
    ctx: &mut Ctx<'_>,
    run: &mut Run<'_>,
) -> Option<Terminal> {
    add_labels(ctx, &rule.labels);
    let (rule_name, within, group, rule_type) = match (place.outer, place.group) {
        (Some(outer), Some(g)) => (
            outer.to_owned(),
            Some(rule.name.clone()),
            Some(g.group_id.clone()),
            if g.managed {
                RuleType::ManagedRuleGroup
            } else {
                RuleType::Group
            },
        ),
        _ => (rule.name.clone(), None, None, rule_type),
    };
    run.matched.push(RuleMatch {
        rule: rule_name,
        rule_within_group: within,
        group,
        rule_type,
        action: action.kind,
        overridden_to_count: false,
        details: std::mem::take(&mut ctx.details),
    });
    match action.kind {
        ActionKind::Count => {
            run.headers.extend(action.headers.iter().cloned());
            None
        }
        ActionKind::Captcha | ActionKind::Challenge => {
            let captcha = action.kind == ActionKind::Captcha;
            let (solved, immunity) = if captcha {
                (
                    ctx.req.token.captcha_solved_at,
                    rule.captcha_immunity.unwrap_or(acl.captcha_immunity),
                )
            } else {
                (
                    ctx.req.token.challenge_solved_at,
                    rule.challenge_immunity.unwrap_or(acl.challenge_immunity),
                )
            };
            let outcome = match solved {
                Some(t) if run.now.saturating_sub(t) <= immunity => TokenOutcome::Accepted,
                Some(_) => TokenOutcome::Expired,
                None if ctx.req.token.invalid => TokenOutcome::Invalid,
                None => TokenOutcome::Missing,
            };
            if captcha {
                run.captcha = Some(outcome);
            } else {
                run.challenge = Some(outcome);
            }
            if outcome == TokenOutcome::Accepted {
                run.headers.extend(action.headers.iter().cloned());
                None
            } else {
                Some(Terminal {
                    act: action.clone(),
                })
            }
        }
        ActionKind::Allow | ActionKind::Block => Some(Terminal {
            act: action.clone(),
        }),
    }
}

#[cfg(test)]
mod tests;
