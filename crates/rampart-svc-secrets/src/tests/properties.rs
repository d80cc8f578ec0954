//! Properties of the pure rules: passwords, staging labels, schedules, paging.

use crate::model::{CURRENT, PREVIOUS, Rotation, Secret, VersionMeta};
use crate::password::{Options, generate};
use crate::schedule::{next_after, parse_expression};
use proptest::prelude::*;
use serde_json::json;

fn secret_with(versions: usize) -> Secret {
    Secret {
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:p-abcdef".into(),
        name: "p".into(),
        description: None,
        kms_key_id: None,
        tags: Vec::new(),
        created: 0,
        last_changed: 0,
        last_rotated: None,
        last_accessed: None,
        deleted: None,
        deletion_due: None,
        versions: (0..versions)
            .map(|i| {
                (
                    format!("v{i}"),
                    VersionMeta {
                        stages: Vec::new(),
                        created: 0,
                        seq: i as u64,
                        key_arn: String::new(),
                        last_accessed: None,
                    },
                )
            })
            .collect(),
        next_seq: versions as u64,
        rotation: Rotation::default(),
        policy: None,
        primary_region: "us-east-1".into(),
        replicas: Vec::new(),
        secret_type: None,
    }
}

proptest! {
    #[test]
    fn passwords_keep_to_their_options(
        length in 1usize..120,
        numbers: bool, punctuation: bool, uppercase: bool, lowercase: bool, space: bool, each_type: bool,
        exclude in "[a-zA-Z0-9!#%]{0,12}",
    ) {
        let options = Options { length, exclude: exclude.clone(), numbers, punctuation, uppercase, lowercase, space, each_type };
        let classes: Vec<Vec<char>> = [
            (lowercase, "abcdefghijklmnopqrstuvwxyz"),
            (uppercase, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            (numbers, "0123456789"),
            (punctuation, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
            (space, " "),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, set)| set.chars().filter(|c| !exclude.contains(*c)).collect::<Vec<char>>())
        .filter(|c| !c.is_empty())
        .collect();
        match generate(&options) {
            Ok(password) => {
                prop_assert_eq!(password.chars().count(), length);
                prop_assert!(password.chars().all(|c| classes.iter().any(|k| k.contains(&c))));
                if each_type {
                    for class in &classes {
                        prop_assert!(password.chars().any(|c| class.contains(&c)));
                    }
                }
            }
            Err(e) => {
                prop_assert_eq!(&*e.code, "InvalidParameterException");
                prop_assert!(classes.is_empty() || (each_type && length < classes.len()));
            }
        }
    }

    #[test]
    fn each_label_stays_on_at_most_one_version(
        moves in proptest::collection::vec((0usize..4, 0usize..5), 1..40),
    ) {
        let labels = [CURRENT, PREVIOUS, "AWSPENDING", "custom"];
        let mut secret = secret_with(5);
        for (label, version) in moves {
            let before = secret.version_with(CURRENT).map(str::to_owned);
            let target = format!("v{version}");
            secret.move_stage(labels[label], &target);
            prop_assert!(secret.versions[&target].stages.iter().any(|s| s == labels[label]));
            if labels[label] == CURRENT && let Some(old) = before && old != target {
                prop_assert_eq!(secret.version_with(PREVIOUS), Some(old.as_str()));
            }
            for l in labels {
                let holders = secret.versions.values().filter(|v| v.stages.iter().any(|s| s == l)).count();
                prop_assert!(holders <= 1, "{} on {} versions", l, holders);
            }
        }
    }

    #[test]
    fn cron_finds_the_first_matching_minute(
        minutes in proptest::collection::btree_set(0u32..60, 1..4),
        hours in proptest::collection::btree_set(0u32..24, 1..4),
        after in 1_600_000_000_000i64..1_900_000_000_000,
    ) {
        let list = |s: &std::collections::BTreeSet<u32>| s.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let schedule = parse_expression(&format!("cron({} {} * * ? *)", list(&minutes), list(&hours))).unwrap();
        let next = next_after(&schedule, after).unwrap();
        prop_assert!(next > after);
        let fits = |t: i64| {
            let minute = (t / 60_000).rem_euclid(60) as u32;
            let hour = (t / 3_600_000).rem_euclid(24) as u32;
            t % 60_000 == 0 && minutes.contains(&minute) && hours.contains(&hour)
        };
        prop_assert!(fits(next));
        let mut t = (after / 60_000 + 1) * 60_000;
        while t < next {
            prop_assert!(!fits(t), "{} fits before {}", t, next);
            t += 60_000;
        }
    }

    #[test]
    fn paging_visits_every_item_once(len in 0usize..60, limit in 1usize..20) {
        let items: Vec<usize> = (0..len).collect();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({"MaxResults": limit});
            if let Some(t) = &token {
                input["NextToken"] = t.clone().into();
            }
            let (page, next) = crate::input::page(&input, &items, 100).unwrap();
            prop_assert!(page.len() <= limit);
            seen.extend(page);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        prop_assert_eq!(seen, items);
    }
}
