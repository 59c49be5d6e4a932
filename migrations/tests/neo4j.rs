//! Neo4j revisions: parsing, ordering, checksums and plan output without a server; the real
//! statements against Neo4j when `NEO4J_URI` is set (printing SKIPPED otherwise).

use code_remote_migrations::neo4j::{batches, render, Batch, Neo4jBackend, Neo4jSettings};
use code_remote_migrations::revision::checksum;
use code_remote_migrations::{Dialect, Direction, History, Migrator, Source, Target};

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

#[tokio::test]
async fn statements_run_against_a_real_neo4j_when_configured() {
    let Ok(uri) = std::env::var("NEO4J_URI") else {
        eprintln!("SKIPPED: NEO4J_URI is not set, so the Neo4j migrations were not run against a server (parsing, ordering, checksums and plans were tested offline)");
        return;
    };
    let user = std::env::var("NEO4J_USER").unwrap_or_else(|_| "neo4j".into());
    let password = std::env::var("NEO4J_PASSWORD").unwrap_or_default();
    let backend = Neo4jBackend::connect(&uri, &user, &password, Neo4jSettings::default())
        .await
        .unwrap();
    let mut m = Migrator::new(history(), backend);
    m.upgrade(&Target::Head).await.unwrap();
    assert!(m.status().await.unwrap().pending.is_empty());
    m.downgrade(&Target::Base).await.unwrap();
    assert_eq!(m.current().await.unwrap(), None);
    m.upgrade(&Target::Head).await.unwrap();
    m.validate().await.unwrap();
}
