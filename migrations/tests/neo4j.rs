//! Neo4j revisions: parsing, ordering, checksums and plan output without a server; then the real
//! statements, the lock, concurrent runs and a failing revision against a Bolt server: the Neo4j
//! of `NEO4J_URI` when set, otherwise a throwaway ArcadeDB (scripts/setup-bolt), on which the
//! statements only Neo4j has are skipped and listed.

use std::time::Duration;

use code_remote_config::{Env, Neo4jCredentials};
use code_remote_ephemeral_bolt::BoltServer;
use code_remote_migrations::neo4j::{batches, render, Batch, Neo4jBackend, Neo4jSettings};
use code_remote_migrations::revision::checksum;
use code_remote_migrations::{Dialect, Direction, Error, History, Migrator, Source, Target};

fn history() -> History {
    History::load(&Source::embedded(Dialect::Neo4j)).unwrap()
}

#[test]
fn embedded_revisions_load_in_chain_order_with_file_checksums() {
    let h = history();
    let ids: Vec<&str> = h.revisions().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "0001_constraints",
            "0002_snippet_embedding",
            "0003_seed_languages",
            "0004_snippet_text_index"
        ]
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("neo4j");
    for r in h.revisions() {
        let text = std::fs::read_to_string(dir.join(&r.file)).unwrap();
        assert_eq!(r.checksum, checksum(&text), "{}", r.file);
        assert!(r.down.is_some(), "{} has no downgrade", r.file);
    }
}

#[test]
fn constraints_cover_every_node_key_each_in_its_own_schema_transaction() {
    let h = history();
    let got = batches(&h.revisions()[0].up, &Neo4jSettings::default());
    assert_eq!(got.len(), 5);
    for (batch, key) in got
        .iter()
        .zip(["u.id", "s.id", "l.name", "c.notation", "p.name"])
    {
        let Batch::Schema(statement) = batch else {
            panic!("{batch:?} is not schema")
        };
        assert!(
            statement.contains(&format!("REQUIRE {key} IS UNIQUE")),
            "{statement}"
        );
    }
}

#[test]
fn vector_index_takes_the_dimension_setting_defaulting_to_768() {
    let h = history();
    let index = &h.revisions()[1];
    let default = render(index, Direction::Up, &Neo4jSettings::default());
    assert!(default.contains("`vector.dimensions`: 768"), "{default}");
    assert!(default.contains("'cosine'") && default.contains("snippet_embedding"));
    let custom = render(
        index,
        Direction::Up,
        &Neo4jSettings::with_embedding_dimension(1536).unwrap(),
    );
    assert!(custom.contains("`vector.dimensions`: 1536"), "{custom}");
    assert!(Neo4jSettings::with_embedding_dimension(0).is_err());
}

#[test]
fn seeding_is_data_and_the_plan_marks_unfinished_then_finished() {
    let h = history();
    let seed = &h.revisions()[2];
    let got = batches(&seed.up, &Neo4jSettings::default());
    assert!(
        matches!(got.as_slice(), [Batch::Data(statements)] if statements[0].contains("MERGE (:Language"))
    );
    let plan = render(seed, Direction::Up, &Neo4jSettings::default());
    let start = plan.find("m.finished = false").unwrap();
    let data = plan.find("// data transaction").unwrap();
    let end = plan.find("m.finished = true").unwrap();
    assert!(start < data && data < end, "{plan}");
}

/// A Bolt server for one test: the Neo4j of `NEO4J_URI` when set, otherwise a throwaway
/// ArcadeDB (scripts/setup-bolt).
struct Server {
    credentials: Neo4jCredentials,
    name: String,
    _throwaway: Option<BoltServer>,
}

async fn server() -> Server {
    let given = Neo4jCredentials::load_optional(&Env::process())
        .unwrap_or_else(|err| panic!("the NEO4J_* variables: {err}"));
    if let Some(credentials) = given {
        return Server {
            credentials,
            name: "the Neo4j of NEO4J_URI".into(),
            _throwaway: None,
        };
    }
    let bolt = BoltServer::start()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    Server {
        credentials: bolt.credentials(),
        name: bolt.server_name(),
        _throwaway: Some(bolt),
    }
}

impl Server {
    async fn backend(&self) -> Neo4jBackend {
        Neo4jBackend::connect(&self.credentials, Neo4jSettings::default())
            .await
            .unwrap()
    }
}

fn file(id: &str, parent: &str, up: &str, down: &str) -> (String, String) {
    (
        format!("{id}.cypher"),
        format!("// revision: {id}\n// down_revision: {parent}\n// description: fixture {id}\n// migrate:up\n{up}\n// migrate:down\n{down}\n"),
    )
}

#[tokio::test]
async fn the_revisions_go_up_down_and_up_on_a_bolt_server_reporting_what_only_neo4j_has() {
    let server = server().await;
    let backend = server.backend().await;
    let neo4j = backend.capabilities().is_full();
    println!("server: {} ({:?})", server.name, backend.capabilities());
    let mut m = Migrator::new(history(), backend);
    m.upgrade(&Target::Head).await.unwrap();
    let status = m.status().await.unwrap();
    assert!(status.pending.is_empty());
    assert!(status.applied.iter().all(|a| a.finished), "{status}");
    m.downgrade(&Target::Base).await.unwrap();
    assert_eq!(m.current().await.unwrap(), None);
    m.upgrade(&Target::Head).await.unwrap();
    m.validate().await.unwrap();
    let skipped = m.backend().skipped();
    for s in &skipped {
        println!(
            "skipped on {}: {} ({}): {}",
            server.name, s.statement, s.file, s.refusal
        );
    }
    let files: Vec<&str> = skipped.iter().map(|s| s.file.as_str()).collect();
    if neo4j {
        assert!(skipped.is_empty(), "{skipped:?}");
    } else {
        // Twice each: the first upgrade and the second.
        assert_eq!(
            files,
            [
                "0002_snippet_embedding_index.cypher",
                "0004_snippet_text_index.cypher",
                "0002_snippet_embedding_index.cypher",
                "0004_snippet_text_index.cypher"
            ]
        );
        assert!(skipped[0].statement.starts_with("CREATE VECTOR INDEX"));
        assert!(skipped[1].statement.starts_with("CREATE FULLTEXT INDEX"));
    }
}

#[tokio::test]
async fn a_held_lock_makes_the_second_run_wait_then_name_the_holder() {
    let server = server().await;
    let mut holder = server.backend().await;
    code_remote_migrations::Backend::lock(&mut holder, Duration::ZERO)
        .await
        .unwrap();
    let mut waiting =
        Migrator::new(history(), server.backend().await).with_lock_wait(Duration::from_millis(300));
    let err = waiting.upgrade(&Target::Head).await.unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
    assert!(err.to_string().contains("code-remote-migrate"), "{err}");
    assert_eq!(waiting.current().await.unwrap(), None, "nothing ran");
    code_remote_migrations::Backend::unlock(&mut holder)
        .await
        .unwrap();
    let report = waiting.upgrade(&Target::Head).await.unwrap();
    assert_eq!(report.revisions.len(), history().revisions().len());
}

#[tokio::test]
async fn two_runs_at_once_apply_each_revision_once() {
    let server = server().await;
    let mut first =
        Migrator::new(history(), server.backend().await).with_lock_wait(Duration::from_secs(30));
    let mut second =
        Migrator::new(history(), server.backend().await).with_lock_wait(Duration::from_secs(30));
    let (a, b) = tokio::join!(first.upgrade(&Target::Head), second.upgrade(&Target::Head));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.revisions.len() + b.revisions.len(),
        history().revisions().len(),
        "one run applied everything, the other found nothing to do"
    );
    let applied = first.status().await.unwrap().applied;
    assert_eq!(applied.len(), history().revisions().len());
}

#[tokio::test]
async fn a_revision_failing_midway_stays_unfinished_names_its_statement_and_frees_the_lock() {
    let server = server().await;
    let files = vec![
        file(
            "a",
            "none",
            "MERGE (:Fixture {name: 'a'})",
            "MATCH (f:Fixture {name: 'a'}) DELETE f",
        ),
        file(
            "b",
            "a",
            "MERGE (:Fixture {name: 'b'});\nTHIS IS NOT CYPHER",
            "MATCH (f:Fixture {name: 'b'}) DELETE f",
        ),
    ];
    let source = Source::from_files(Dialect::Neo4j, files.clone());
    let mut m = Migrator::new(History::load(&source).unwrap(), server.backend().await)
        .with_lock_wait(Duration::from_secs(5));
    let err = m.upgrade(&Target::Head).await.unwrap_err();
    let Error::MigrationFailed {
        file, statement, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(file, "b.cypher");
    assert!(statement.contains("THIS IS NOT CYPHER"), "{err}");
    // The failed revision stays recorded as unfinished, and the engine says so until repaired.
    let half = m.status().await.unwrap_err();
    assert!(
        matches!(&half, Error::HalfApplied { id, .. } if id == "b"),
        "{half}"
    );
    let mut inspect = server.backend().await;
    let applied = code_remote_migrations::Backend::applied(&mut inspect)
        .await
        .unwrap();
    let b = applied
        .iter()
        .find(|a| a.id.as_str() == "b")
        .expect("b recorded");
    assert!(!b.finished, "a failed revision stays visibly unfinished");
    assert!(applied.iter().any(|a| a.id.as_str() == "a" && a.finished));
    // The data statements of the failed revision were rolled back together.
    let graph = m.backend().graph().clone();
    let mut rows = graph
        .execute(neo4rs::query(
            "MATCH (f:Fixture) RETURN f.name AS name ORDER BY name",
        ))
        .await
        .unwrap();
    let mut names = Vec::new();
    while let Some(row) = rows.next().await.unwrap() {
        names.push(row.get::<String>("name").unwrap());
    }
    assert_eq!(names, ["a"]);
    // The lock is free: another run takes it at once.
    let mut other = server.backend().await;
    code_remote_migrations::Backend::lock(&mut other, Duration::ZERO)
        .await
        .unwrap();
}
