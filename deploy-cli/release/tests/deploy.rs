//! `up`, `promote`, `rollback` and the deploy lock against moto (S3, Lambda, CloudFront), with
//! the Pulumi CLI replaced by recorded output. Each test runs its own moto server.

mod harness;

use std::sync::atomic::Ordering;

use code_remote_release::{
    promote, rollback, up, DeployLock, Event, Gates, JsonBucket, Outcome, PromotionSource,
    RecordKind, RecordStore, ReleaseError, StackName, UpRequest, IMMUTABLE, NO_CACHE,
};
use harness::{migrated, World};

fn yes(_: &code_remote_pulumi::PreviewDigest) -> bool {
    true
}

fn quiet(_: Event<'_>) {}

fn request(world: &World, release: &code_remote_release::ReleaseVersion) -> UpRequest {
    UpRequest {
        release: release.clone(),
        dir: world.release_dir(release),
        plans: code_remote_release::plans_dir(world.root(), release),
        promoted_from: None,
        gates: Gates::default(),
    }
}

async fn records(world: &World, stack: &str) -> Vec<code_remote_release::ReleaseRecord> {
    let store = RecordStore::new(
        JsonBucket::new(world.aws.s3.clone(), &format!("t-{stack}-artifacts")),
        StackName::parse(stack).unwrap(),
    );
    store.all().await.unwrap()
}

#[tokio::test]
async fn up_publishes_migrates_then_moves_aliases_and_ships_the_frontend() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let v2 = world.build_release("v2.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");

    assert_eq!(world.trigger_states("dev").await, ["Disabled"]);
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1), &yes, &quiet).await.unwrap();
    // The worker's queue trigger goes on only once migrations ran and the aliases moved.
    assert_eq!(world.trigger_states("dev").await, ["Enabled"]);
    world.pulumi_deploys_code("dev", &v2).await;
    world.queue_lambda_results(&[migrated()]).await;
    let started = std::time::Instant::now();
    let report = up(&ctx, &request(&world, &v2), &yes, &quiet).await.unwrap();
    println!(
        "deploy up wall time (recorded Pulumi output, moto, every step): {} ms",
        started.elapsed().as_millis()
    );

    // Order: versions published, then migrations on the new migrate version, then aliases.
    let position = |step: &str| {
        report
            .steps
            .iter()
            .position(|s| s == step)
            .unwrap_or_else(|| panic!("no step {step}: {:?}", report.steps))
    };
    assert!(position("lock") < position("pulumi up"));
    assert!(position("pulumi up") < position("artifacts"));
    assert!(position("publish") < position("migrate"));
    assert!(position("migrate") < position("aliases"));
    assert!(position("aliases") < position("triggers"));
    assert!(position("aliases") < position("frontend"));
    assert!(position("frontend") < position("invalidate"));
    assert!(position("invalidate") < position("smoke"));
    assert_eq!(
        report.migrations,
        serde_json::from_value(migrated()).unwrap()
    );

    // Artifacts uploaded with their digests; the manifest beside them.
    let manifest = code_remote_release::Manifest::read(&world.release_dir(&v2)).unwrap();
    let keys = world.keys("t-dev-artifacts", "artifacts/v2.0.0/").await;
    for artifact in &manifest.artifacts {
        assert!(
            keys.contains(&format!("artifacts/v2.0.0/{}", artifact.name)),
            "{keys:?}"
        );
    }
    assert!(keys.contains(&"artifacts/v2.0.0/manifest.json".to_owned()));

    // A new version per function, carrying exactly the release's zip, is live.
    for (function, artifact) in manifest.lambdas() {
        let live = world.live_version("dev", &function).await;
        assert_eq!(live, report.functions[&function].version);
        assert_ne!(
            live, "1",
            "{function} should have a newly published version"
        );
        assert_eq!(
            world.code_sha("dev", &function, &live).await,
            artifact.lambda_sha256().unwrap()
        );
    }

    // Frontend: cache rules, v1's hashed asset removed, index.html is v2's, and the stack's
    // config.json (no-cache) names the stack's API.
    let site = world.keys("t-dev-frontend", "").await;
    assert_eq!(site.len(), 3, "{site:?}");
    let (config, config_cache) = world.object("t-dev-frontend", "config.json").await;
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["apiUrl"], format!("{}/dev", world.smoke_url));
    assert_eq!(config["region"], "us-east-1");
    assert_eq!(config["userPoolId"], "us-east-1_AbCdEf123");
    assert_eq!(config_cache.as_deref(), Some(NO_CACHE));
    assert!(report
        .smoke
        .checks
        .iter()
        .any(|check| check.name == "frontend config" && check.ok));
    let (index, index_cache) = world.object("t-dev-frontend", "index.html").await;
    assert_eq!(index, "<html>v2.0.0</html>");
    assert_eq!(index_cache.as_deref(), Some(NO_CACHE));
    let asset = site.iter().find(|key| key.starts_with("assets/")).unwrap();
    assert_eq!(
        world.object("t-dev-frontend", asset).await.1.as_deref(),
        Some(IMMUTABLE)
    );
    assert_eq!(
        report.frontend.as_ref().unwrap().deleted.len(),
        1,
        "v1's asset is stale"
    );

    // Invalidations: one per deploy.
    let invalidations = world
        .aws
        .cloudfront
        .list_invalidations()
        .distribution_id(&distribution)
        .send()
        .await
        .unwrap();
    assert_eq!(invalidations.invalidation_list().unwrap().quantity(), 2);

    // Release record.
    let all = records(&world, "dev").await;
    let last = all.last().unwrap();
    assert_eq!(
        (last.kind, last.outcome, last.release.as_str()),
        (RecordKind::Deploy, Outcome::Live, "v2.0.0")
    );
    assert_eq!(last.manifest, manifest);
    assert!(last.smoke.as_ref().unwrap().passed);
    assert_eq!(
        last.migrations.as_ref().unwrap().databases[0]
            .head
            .as_deref(),
        Some("0005_connections")
    );

    // Pulumi was driven with the documented commands.
    let log = std::fs::read_to_string(&world.pulumi_log).unwrap();
    assert!(
        log.contains("preview --json --stack dev --non-interactive --config-file"),
        "{log}"
    );
    assert!(
        log.contains("up --yes --skip-preview --json --stack dev"),
        "{log}"
    );
    assert!(log.contains("stack select --create dev"), "{log}");
    assert!(
        world.keys("t-dev-artifacts", "locks/").await.is_empty(),
        "the lock is released"
    );
}

#[tokio::test]
async fn a_failed_or_unreadable_migration_leaves_traffic_where_it_was() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let v2 = world.build_release("v2.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1), &yes, &quiet).await.unwrap();
    let live_before = world.live_version("dev", "api").await;
    world.pulumi_deploys_code("dev", &v2).await;

    let failed = serde_json::json!({"status": "failed", "databases": [
        {"database": "postgres", "applied": [], "head": "0004_stars", "error": "0005_connections: relation \"connections\" already exists"}
    ]});
    world.queue_lambda_results(&[failed]).await;
    let error = up(&ctx, &request(&world, &v2), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ReleaseError::MigrationFailed(text) if text.contains("already exists")),
        "{error}"
    );
    assert_eq!(world.live_version("dev", "api").await, live_before);

    // Nothing queued: moto echoes the request, which must not pass for a result.
    let error = up(&ctx, &request(&world, &v2), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ReleaseError::NotAMigrationResult(_)),
        "{error}"
    );
    assert_eq!(world.live_version("dev", "api").await, live_before);
    let all = records(&world, "dev").await;
    assert_eq!(
        all.iter().filter(|r| r.outcome == Outcome::Failed).count(),
        2
    );
    assert_eq!(
        world.object("t-dev-frontend", "index.html").await.0,
        "<html>v1.0.0</html>"
    );
}

#[tokio::test]
async fn a_failing_frontend_sync_after_the_alias_move_moves_traffic_back() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let v2 = world.build_release("v2.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1), &yes, &quiet).await.unwrap();
    let live_before = world.live_version("dev", "api").await;
    world.pulumi_deploys_code("dev", &v2).await;

    // The frontend bucket is gone when the frontend step runs (after the aliases moved).
    for key in world.keys("t-dev-frontend", "").await {
        world
            .aws
            .s3
            .delete_object()
            .bucket("t-dev-frontend")
            .key(key)
            .send()
            .await
            .unwrap();
    }
    world
        .aws
        .s3
        .delete_bucket()
        .bucket("t-dev-frontend")
        .send()
        .await
        .unwrap();
    world.queue_lambda_results(&[migrated()]).await;
    let error = up(&ctx, &request(&world, &v2), &yes, &quiet)
        .await
        .unwrap_err();
    // The frontend bucket is still gone, so the previous frontend cannot be restored: the error
    // says so, and that traffic is back.
    let message = error.to_string();
    assert!(message.contains("s3:PutObject"), "{message}");
    assert!(
        message.contains("traffic is back on the previous versions"),
        "{message}"
    );
    assert_eq!(
        world.live_version("dev", "api").await,
        live_before,
        "traffic must be back on v1"
    );
    let last = records(&world, "dev").await.pop().unwrap();
    assert_eq!(
        (last.release.as_str(), last.outcome),
        ("v2.0.0", Outcome::RolledBack)
    );
    assert!(!last.passed());
}

#[tokio::test]
async fn a_neo4j_stack_with_an_empty_neo4j_secret_is_refused_before_traffic_moves() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let v2 = world.build_release("v2.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1), &yes, &quiet).await.unwrap();
    let live_before = world.live_version("dev", "api").await;
    world.pulumi_deploys_code("dev", &v2).await;

    // Pulumi creates the secret without a value, as on a first deploy.
    let arn = world
        .aws
        .secrets
        .create_secret()
        .name("t-dev-neo4j")
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    let neo4j = [
        ("FAKE_PULUMI_SEARCH_BACKEND", "neo4j"),
        ("FAKE_PULUMI_NEO4J_SECRET_ARN", arn.as_str()),
    ];
    let ctx = world.context_with("dev", &distribution, "up-events.jsonl", &neo4j);
    let error = up(&ctx, &request(&world, &v2), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            ReleaseError::SecretUnset {
                secret: "neo4j",
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("run `deploy secrets set --stack dev neo4j`"),
        "{error}"
    );
    assert_eq!(world.live_version("dev", "api").await, live_before);
    // Refused before Pulumi changed anything: one `pulumi up` (v1's), v1 still the live record.
    let log = std::fs::read_to_string(&world.pulumi_log).unwrap();
    assert_eq!(log.matches("up --yes").count(), 1, "{log}");
    let last = records(&world, "dev").await.pop().unwrap();
    assert_eq!(
        (last.release.as_str(), last.outcome),
        ("v1.0.0", Outcome::Live)
    );
    assert!(world.keys("t-dev-artifacts", "locks/").await.is_empty());

    // A value without credentials is refused; real credentials let the deploy through.
    let outputs = ctx.outputs().unwrap();
    let secrets = &world.aws.secrets;
    let refused = code_remote_release::secrets::set(
        secrets,
        &outputs,
        code_remote_release::secrets::AppSecret::Neo4j,
        r#"{"password": "p4ss"}"#,
    )
    .await
    .unwrap_err();
    assert!(!refused.to_string().contains("p4ss"), "{refused}");
    let state = code_remote_release::secrets::set(
        secrets,
        &outputs,
        code_remote_release::secrets::AppSecret::Neo4j,
        r#"{"uri": "neo4j+s://x.databases.neo4j.io", "username": "neo4j", "password": "p4ss"}"#,
    )
    .await
    .unwrap();
    assert!(state.set);
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v2), &yes, &quiet).await.unwrap();
    assert_ne!(world.live_version("dev", "api").await, live_before);
}

#[tokio::test]
async fn a_failing_smoke_test_moves_aliases_back_and_rollback_restores_the_previous_release() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let v2 = world.build_release("v2.0.0");
    let v3 = world.build_release("v3.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1), &yes, &quiet).await.unwrap();
    let v1_api = world.live_version("dev", "api").await;

    // v2 breaks health: aliases and frontend go back to v1, the deploy fails.
    world.pulumi_deploys_code("dev", &v2).await;
    world.queue_lambda_results(&[migrated()]).await;
    world.healthy.store(false, Ordering::SeqCst);
    let error = up(&ctx, &request(&world, &v2), &yes, &quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ReleaseError::SmokeFailed(text) if text.contains("health?deep=1 answered 503")),
        "{error}"
    );
    assert_eq!(world.live_version("dev", "api").await, v1_api);
    assert_eq!(
        world.object("t-dev-frontend", "index.html").await.0,
        "<html>v1.0.0</html>"
    );
    assert_eq!(
        records(&world, "dev").await.last().unwrap().outcome,
        Outcome::RolledBack
    );

    // v3 is healthy; rollback brings v1 back (v2 never passed).
    world.healthy.store(true, Ordering::SeqCst);
    world.pulumi_deploys_code("dev", &v3).await;
    world.queue_lambda_results(&[migrated()]).await;
    let v3_report = up(&ctx, &request(&world, &v3), &yes, &quiet).await.unwrap();
    assert_eq!(
        world.live_version("dev", "api").await,
        v3_report.functions["api"].version
    );
    let rolled = rollback(&ctx, None, &quiet).await.unwrap();
    assert_eq!(rolled.to.as_str(), "v1.0.0");
    assert_eq!(rolled.from.as_ref().map(|r| r.as_str()), Some("v3.0.0"));
    assert_eq!(world.live_version("dev", "api").await, v1_api);
    assert_eq!(
        world.object("t-dev-frontend", "index.html").await.0,
        "<html>v1.0.0</html>"
    );
    let last = records(&world, "dev").await.last().unwrap().clone();
    assert_eq!(
        (last.kind, last.release.as_str()),
        (RecordKind::Rollback, "v1.0.0")
    );
    assert!(
        last.migrations.is_none(),
        "rollback never touches the database"
    );

    // An explicit target works too.
    let forward = rollback(&ctx, Some(&v3), &quiet).await.unwrap();
    assert_eq!(forward.to.as_str(), "v3.0.0");
    assert_eq!(
        world.live_version("dev", "api").await,
        v3_report.functions["api"].version
    );
}

#[tokio::test]
async fn promote_ships_the_digests_dev_passed_with_and_refuses_anything_else() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let dev_distribution = world.provision("dev", &v1).await;
    let prod_distribution = world.provision("prod", &v1).await;
    let dev = world.context("dev", &dev_distribution, "up-events.jsonl");
    let prod = world.context("prod", &prod_distribution, "up-events.jsonl");

    let source = PromotionSource::of(&dev).unwrap();
    let promote_v1 = || {
        promote(
            &source,
            &prod,
            &v1,
            world.root(),
            Gates::default(),
            &yes,
            &quiet,
        )
    };

    // Never deployed to dev: refused.
    let error = promote_v1().await.unwrap_err();
    assert!(
        matches!(&error, ReleaseError::PromotionRefused { reason, .. } if reason.contains("no passing release record on stack dev")),
        "{error}"
    );

    // Deployed to dev but failed its smoke test: still refused.
    world.queue_lambda_results(&[migrated()]).await;
    world.healthy.store(false, Ordering::SeqCst);
    up(&dev, &request(&world, &v1), &yes, &quiet)
        .await
        .unwrap_err();
    let error = promote_v1().await.unwrap_err();
    assert!(
        matches!(error, ReleaseError::PromotionRefused { .. }),
        "{error}"
    );

    // Passed on dev, but the bytes here are not those dev passed with: refused, not replaced
    // by what dev's bucket holds, and prod untouched.
    world.healthy.store(true, Ordering::SeqCst);
    world.queue_lambda_results(&[migrated()]).await;
    up(&dev, &request(&world, &v1), &yes, &quiet).await.unwrap();
    let prod_records = records(&world, "prod").await.len();
    let zip = world.release_dir(&v1).join("api.zip");
    let built = std::fs::read(&zip).unwrap();
    std::fs::write(&zip, b"other bytes").unwrap();
    let error = promote_v1().await.unwrap_err();
    assert!(
        matches!(&error, ReleaseError::PromotionRefused { reason, .. } if reason.contains("not the bytes dev passed with")),
        "{error}"
    );
    assert_eq!(std::fs::read(&zip).unwrap(), b"other bytes");
    assert_eq!(records(&world, "prod").await.len(), prod_records);
    std::fs::write(&zip, built).unwrap();
    // A manifest here that does not read is refused too, not replaced by the bucket's.
    let manifest = world.release_dir(&v1).join("manifest.json");
    let kept = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, b"{").unwrap();
    promote_v1().await.unwrap_err();
    assert_eq!(std::fs::read(&manifest).unwrap(), b"{");
    assert_eq!(records(&world, "prod").await.len(), prod_records);
    std::fs::write(&manifest, kept).unwrap();

    // With no artifacts here, prod gets the same bytes, downloaded from dev's bucket and verified.
    std::fs::remove_dir_all(world.release_dir(&v1)).unwrap();
    world.queue_lambda_results(&[migrated()]).await;
    // Across accounts: dev's bucket by name, read with prod's client, dev's Pulumi never asked.
    let asked_before = std::fs::read_to_string(&world.pulumi_log).unwrap().len();
    let across =
        PromotionSource::bucket(StackName::parse("dev").unwrap(), "t-dev-artifacts", &prod);
    let report = promote(
        &across,
        &prod,
        &v1,
        world.root(),
        Gates::default(),
        &yes,
        &quiet,
    )
    .await
    .unwrap();

    let dev_record = records(&world, "dev")
        .await
        .into_iter()
        .rev()
        .find(|r| r.passed())
        .unwrap();
    let asked = std::fs::read_to_string(&world.pulumi_log).unwrap();
    assert!(!asked[asked_before..].contains("--stack dev"), "{asked}");
    let prod_record = records(&world, "prod").await.last().unwrap().clone();
    assert_eq!(prod_record.kind, RecordKind::Promote);
    assert_eq!(
        prod_record.promoted_from.as_ref().map(StackName::as_str),
        Some("dev")
    );
    assert_eq!(
        prod_record.manifest.digests(),
        dev_record.manifest.digests()
    );
    assert_eq!(report.digests.digests(), dev_record.manifest.digests());
    for function in code_remote_pulumi::function_ids() {
        let prod_live = world.live_version("prod", function).await;
        let dev_live = world.live_version("dev", function).await;
        assert_eq!(
            world.code_sha("prod", function, &prod_live).await,
            world.code_sha("dev", function, &dev_live).await
        );
    }
    assert_eq!(
        world.keys("t-prod-artifacts", "artifacts/v1.0.0/").await,
        world.keys("t-dev-artifacts", "artifacts/v1.0.0/").await
    );
}

#[tokio::test]
async fn a_second_deploy_fails_fast_naming_the_lock_owner_and_age() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    let bucket = JsonBucket::new(world.aws.s3.clone(), "t-dev-artifacts");
    let stack = StackName::parse("dev").unwrap();

    // Two deploys race for the lock: exactly one gets it.
    let ttl = chrono::Duration::minutes(30);
    let (a, b) = tokio::join!(
        DeployLock::acquire(&bucket, &stack, "alice@laptop", "up v1.0.0", ttl),
        DeployLock::acquire(&bucket, &stack, "bob@desk", "up v1.0.0", ttl)
    );
    assert_eq!(
        a.is_ok() as u8 + b.is_ok() as u8,
        1,
        "exactly one deploy holds the lock"
    );
    let held = a.or(b).unwrap();
    let holder = held.info().owner.clone();

    let error = up(&ctx, &request(&world, &v1), &yes, &quiet)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ReleaseError::Locked { .. }), "{message}");
    assert!(
        message.contains(&holder) && message.contains(" ago (expires in "),
        "{message}"
    );
    assert!(message.starts_with("stack dev is locked by"), "{message}");
    let log = std::fs::read_to_string(&world.pulumi_log).unwrap();
    assert!(!log.contains("up --yes"), "pulumi up must not run: {log}");

    // Released, the next deploy goes through; an expired lock is taken over.
    held.release().await.unwrap();
    let stale = DeployLock::acquire(
        &bucket,
        &stack,
        "crashed@ci",
        "up v0.9.0",
        chrono::Duration::seconds(-1),
    )
    .await
    .unwrap();
    world.queue_lambda_results(&[migrated()]).await;
    up(&ctx, &request(&world, &v1), &yes, &quiet).await.unwrap();
    drop(stale);
}

#[tokio::test]
async fn of_two_deploys_one_proceeds_a_stale_lock_is_taken_over_once_and_a_long_deploy_keeps_its_lock(
) {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-events.jsonl");
    let bucket = JsonBucket::new(world.aws.s3.clone(), "t-dev-artifacts");
    let stack = StackName::parse("dev").unwrap();

    // Two whole deploys of one stack at once: exactly one proceeds.
    world.queue_lambda_results(&[migrated()]).await;
    let (first, second) = (request(&world, &v1), request(&world, &v1));
    let (a, b) = tokio::join!(
        up(&ctx, &first, &yes, &quiet),
        up(&ctx, &second, &yes, &quiet)
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    let refused = a.err().or(b.err()).unwrap();
    assert!(matches!(refused, ReleaseError::Locked { .. }), "{refused}");

    // A crashed deploy's expired lock, found by two deploys at once: taken over exactly once.
    let crashed = DeployLock::acquire(
        &bucket,
        &stack,
        "crashed@ci",
        "up v0.9.0",
        chrono::Duration::seconds(-1),
    )
    .await
    .unwrap();
    std::mem::forget(crashed);
    let ttl = chrono::Duration::seconds(3);
    let (a, b) = tokio::join!(
        DeployLock::acquire(&bucket, &stack, "alice@laptop", "up v1.0.0", ttl),
        DeployLock::acquire(&bucket, &stack, "bob@desk", "up v1.0.0", ttl)
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1);
    let mut held = a.or(b).unwrap();

    // Kept alive, it outlives its TTL: another deploy is still refused after it.
    held.keep_alive(ttl);
    tokio::time::sleep(std::time::Duration::from_millis(4_500)).await;
    let error = DeployLock::acquire(&bucket, &stack, "carol@ci", "up v1.0.1", ttl)
        .await
        .unwrap_err();
    assert!(matches!(error, ReleaseError::Locked { .. }), "{error}");
    assert!(held.info().expires_at > chrono::Utc::now());
    held.release().await.unwrap();
    assert!(world.keys("t-dev-artifacts", "locks/").await.is_empty());

    // A lock taken over behind a deploy's back is noticed, stops that deploy's next step, and
    // its release leaves the new holder's lock alone.
    let mut held = DeployLock::acquire(&bucket, &stack, "alice@laptop", "up v1.0.2", ttl)
        .await
        .unwrap();
    held.keep_alive(chrono::Duration::milliseconds(600));
    let mut other = held.info();
    other.owner = "mallory@ci".to_owned();
    bucket
        .put(&code_remote_release::lock_key(&stack), &other)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let error = held.ensure_held().unwrap_err();
    assert!(matches!(error, ReleaseError::LockLost(_)), "{error}");
    held.release().await.unwrap();
    let still: code_remote_release::LockInfo = bucket
        .get(&code_remote_release::lock_key(&stack))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.owner, "mallory@ci");
}

#[tokio::test]
async fn a_first_deploy_takes_the_lock_as_soon_as_pulumi_made_the_bucket() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let marker = world.root().join("deployed-once");
    let ctx = world.context_with(
        "dev",
        &distribution,
        "up-events.jsonl",
        &[("FAKE_PULUMI_NEW_STACK", marker.to_str().unwrap())],
    );
    let steps = std::sync::Mutex::new(Vec::new());
    let observe = |event: Event<'_>| {
        if let Event::Done(name, detail) = event {
            steps.lock().unwrap().push(format!("{name}: {detail}"));
        }
    };
    world.queue_lambda_results(&[migrated()]).await;
    let report = up(&ctx, &request(&world, &v1), &yes, &observe)
        .await
        .unwrap();
    let said = steps.lock().unwrap().join("\n");
    assert!(said.contains("lock: first deploy"), "{said}");
    let position = |step: &str| report.steps.iter().position(|s| s == step).unwrap();
    let locks: Vec<usize> = report
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| *s == "lock")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(locks.len(), 2, "{:?}", report.steps);
    assert!(position("pulumi up") < locks[1] && locks[1] < position("artifacts"));
    assert!(world.keys("t-dev-artifacts", "locks/").await.is_empty());
}

#[tokio::test]
async fn a_failed_pulumi_update_reports_the_resource_and_releases_the_lock() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let ctx = world.context("dev", &distribution, "up-failed-events.jsonl");
    let error = up(&ctx, &request(&world, &v1), &yes, &quiet)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("create aws:cloudwatch/metricAlarm:MetricAlarm migrateErrors failed"),
        "{message}"
    );
    assert!(
        message.contains("Period must be 10, 30 or a multiple of 60"),
        "{message}"
    );
    assert!(world.keys("t-dev-artifacts", "locks/").await.is_empty());
    assert_eq!(world.live_version("dev", "api").await, "1");
}

#[tokio::test]
async fn a_release_without_the_model_layer_is_refused_for_a_minilm_stack_before_anything_changes() {
    let world = World::new().await;
    let v1 = world.build_release("v1.0.0");
    let distribution = world.provision("dev", &v1).await;
    let mut ctx = world.context("dev", &distribution, "up-events.jsonl");
    ctx.required_artifacts = vec![(
        "layers/embedding-model.zip".to_owned(),
        "code-remote:embedder: minilm".to_owned(),
    )];
    let live_before = world.live_version("dev", "api").await;
    let err = up(&ctx, &request(&world, &v1), &yes, &quiet)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("layers/embedding-model.zip")
            && text.contains("code-remote:embedder: minilm")
            && text.contains("scripts/setup-model"),
        "{text}"
    );
    assert_eq!(world.live_version("dev", "api").await, live_before);
    assert!(records(&world, "dev").await.is_empty(), "nothing recorded");
}
