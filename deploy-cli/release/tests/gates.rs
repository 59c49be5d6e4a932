//! The deploy gates on recorded Pulumi output, against moto: drift is refused before anything
//! changes unless accepted, and a saved plan is applied only while the change is the approved one.

mod harness;

use code_remote_pulumi::PreviewOptions;
use code_remote_release::{
    plans_dir, pulumi_plan_path, up, Event, Gates, ReleaseError, ReleaseVersion, SavedPlan,
    StackName, UpRequest,
};
use harness::{migrated, World};

fn yes(_: &code_remote_pulumi::PreviewDigest) -> bool {
    true
}

fn quiet(_: Event<'_>) {}

fn request(world: &World, release: &ReleaseVersion, gates: Gates) -> UpRequest {
    UpRequest {
        release: release.clone(),
        dir: world.release_dir(release),
        plans: plans_dir(world.root(), release),
        promoted_from: None,
        gates,
    }
}

/// The `pulumi up` command lines the fake Pulumi was given.
fn updates(world: &World) -> Vec<String> {
    std::fs::read_to_string(&world.pulumi_log)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.starts_with("up "))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn drift_is_refused_before_anything_changes_unless_accepted() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let drifted = world.context_with(
        "dev",
        &distribution,
        "up-events.jsonl",
        &[("FAKE_PULUMI_REFRESH", "refresh-drift.json")],
    );

    let error = up(
        &drifted,
        &request(&world, &v1, Gates::default()),
        &yes,
        &quiet,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, ReleaseError::Drift { .. }), "{error}");
    let message = error.to_string();
    for row in [
        "changed  aws:lambda/function:Function         api             memorySize",
        "changed  aws:sqs/queue:Queue                  executionQueue",
        "deleted  aws:cloudwatch/metricAlarm:MetricAlarm  apiErrors",
    ] {
        let words: Vec<&str> = row.split_whitespace().collect();
        assert!(
            message
                .lines()
                .any(|line| line.split_whitespace().collect::<Vec<_>>() == words),
            "no row {row:?} in:\n{message}"
        );
    }
    assert!(message.contains("--accept-drift"), "{message}");
    assert!(updates(&world).is_empty(), "{:?}", updates(&world));
    assert!(world.keys("t-dev-artifacts", "locks/").await.is_empty());
    assert_eq!(world.live_version("dev", "api").await, "1");

    world.queue_lambda_results(&[migrated()]).await;
    let accepted = Gates {
        accept_drift: true,
        plan: false,
    };
    let report = up(&drifted, &request(&world, &v1, accepted), &yes, &quiet)
        .await
        .unwrap();
    assert_eq!(report.drift.len(), 3, "{:?}", report.drift);
    let ran = updates(&world);
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert!(ran[0].contains("--refresh"), "{ran:?}");

    // Without drift the update does not read the cloud first.
    let clean = world.context("dev", &distribution, "up-events.jsonl");
    world.queue_lambda_results(&[migrated()]).await;
    let report = up(
        &clean,
        &request(&world, &v1, Gates::default()),
        &yes,
        &quiet,
    )
    .await
    .unwrap();
    assert!(report.drift.is_empty());
    assert!(!updates(&world)[1].contains("--refresh"));
}

#[tokio::test]
async fn a_saved_plan_is_applied_only_while_the_change_is_the_approved_one() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    let stack = StackName::parse("dev").unwrap();
    let dir = plans_dir(world.root(), &v1);
    let planned = Gates {
        accept_drift: false,
        plan: true,
    };

    let error = up(&ctx, &request(&world, &v1, planned), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(matches!(error, ReleaseError::NoSavedPlan { .. }), "{error}");

    // Approved when the executionDlq replacement was not yet part of the change.
    let path = pulumi_plan_path(&dir, &stack).unwrap();
    let preview = ctx
        .pulumi
        .preview(&PreviewOptions {
            refresh: false,
            save_plan: Some(path.clone()),
        })
        .unwrap();
    let mut approved = preview.clone();
    approved
        .steps
        .retain(|step| !step.urn.ends_with("::executionDlq"));
    SavedPlan::save(&dir, &stack, &approved, false).unwrap();
    let error = up(&ctx, &request(&world, &v1, planned), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ReleaseError::PlanMismatch { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("now also: replace aws:sqs/queue:Queue executionDlq (fifoQueue, name)"),
        "{error}"
    );
    assert!(updates(&world).is_empty(), "{:?}", updates(&world));

    SavedPlan::save(&dir, &stack, &preview, false).unwrap();
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1, planned), &yes, &quiet)
        .await
        .unwrap();
    let ran = updates(&world);
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert!(
        ran[0].contains(&format!("--plan {}", path.display())),
        "{ran:?}"
    );

    // Drift accepted needs a plan made after reading the cloud.
    let drifted = world.context_with(
        "dev",
        &distribution,
        "up-events.jsonl",
        &[("FAKE_PULUMI_REFRESH", "refresh-drift.json")],
    );
    let both = Gates {
        accept_drift: true,
        plan: true,
    };
    let error = up(&drifted, &request(&world, &v1, both), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("made without reading the cloud"),
        "{error}"
    );
    let refreshed = drifted
        .pulumi
        .preview(&PreviewOptions {
            refresh: true,
            save_plan: Some(path.clone()),
        })
        .unwrap();
    SavedPlan::save(&dir, &stack, &refreshed, true).unwrap();
    world.queue_lambda_results(&[migrated()]).await;
    up(&drifted, &request(&world, &v1, both), &yes, &quiet)
        .await
        .unwrap();
    let ran = updates(&world);
    assert_eq!(ran.len(), 2, "{ran:?}");
    assert!(
        ran[1].contains("--refresh") && ran[1].contains("--plan"),
        "{ran:?}"
    );
}
