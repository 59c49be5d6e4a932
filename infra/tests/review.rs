//! Review stacks derived from the committed dev settings: they pass every check the committed
//! stacks pass, are smaller, expire, and fit AWS's name limits for any pull request number.

mod common;

use code_remote_infra::model::Value;
use code_remote_infra::{check, review, stack, StackConfig};

fn derived(name: &str) -> StackConfig {
    let dev = std::fs::read_to_string(common::stacks_dir().join("dev.yaml")).unwrap();
    let text = review::derive(name, &dev).unwrap();
    StackConfig::parse(name, &text, std::path::Path::new("derived.yaml")).unwrap()
}

#[test]
fn a_review_stack_passes_the_schema_and_policy_checks_and_expires() {
    let config = derived("pr-4217");
    let dev = common::config("dev");
    assert!(config.aurora_max_acu <= 1.0 && config.aurora_max_acu < dev.aurora_max_acu);
    assert!(!config.deletion_protection && !config.nat_per_az && !config.neo4j_enabled);
    assert_eq!(config.review_ttl_hours, Some(review::TTL_HOURS));
    let program = stack::build(&config, common::RELEASE).unwrap();
    let report = check::run(&program, &config).unwrap();
    assert!(report.passed(), "{report}");
    let tagged = program
        .resources
        .values()
        .filter_map(|resource| match resource.properties.get("tags") {
            Some(Value::Map(tags)) => Some(tags),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(!tagged.is_empty());
    for tags in tagged {
        assert_eq!(
            tags.get("ReviewTtlHours"),
            Some(&Value::from(review::TTL_HOURS.to_string()))
        );
        assert_eq!(tags.get("Environment"), Some(&Value::from("pr-4217")));
    }
}

#[test]
fn the_largest_pull_request_number_still_fits_every_name() {
    // `pr-` and ten digits: the longest name infra accepts for a review stack.
    let config = derived("pr-4294967295");
    stack::build(&config, common::RELEASE).unwrap();
}

#[test]
fn only_review_stacks_may_expire() {
    let dev = std::fs::read_to_string(common::stacks_dir().join("dev.yaml")).unwrap();
    let text = format!("{dev}  code-remote:reviewTtlHours: 72\n");
    let err = StackConfig::parse("dev", &text, std::path::Path::new("dev.yaml")).unwrap_err();
    assert!(err.to_string().contains("only review stacks"), "{err}");
}
