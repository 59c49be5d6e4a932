//! The sync worker's handler on real PostgreSQL: partial batch failures, replays and reordering,
//! deletes, and the backend's guard against older documents.

mod support;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use code_remote_domain::{NewSnippet, SnippetChanges, SnippetId, UserId};
use code_remote_queue::{SyncEvent, SyncEventType};
use code_remote_search::{SearchBackend, SemanticQuery};
use code_remote_sync::SyncOutcome;
use support::{stack, TestStack};

async fn user(stack: &TestStack) -> UserId {
    let sub = uuid::Uuid::new_v4().to_string();
    stack.store.sync_user(&sub, None, None).await.expect("user")
}

async fn snippet(stack: &TestStack, owner: UserId, title: &str) -> SnippetId {
    let new = NewSnippet {
        code: "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n".into(),
        title: Some(title.into()),
        language: "python".into(),
        description: None,
        is_starred: false,
    };
    stack
        .store
        .create_snippet(owner, &new)
        .await
        .expect("snippet")
        .id
}

fn body(kind: SyncEventType, snippet: SnippetId, user: UserId) -> String {
    SyncEvent::now(kind, snippet, user)
        .encode()
        .expect("encode")
        .0
}

fn message(id: &str, body: String) -> SqsMessage {
    let mut message = SqsMessage::default();
    message.message_id = Some(id.to_owned());
    message.body = Some(body);
    message
}

/// The owner's documents, as the backend holds them (structured query, no text).
async fn documents(stack: &TestStack, owner: UserId) -> Vec<(SnippetId, Option<String>)> {
    let query = SemanticQuery {
        limit: 100,
        ..SemanticQuery::default()
    };
    stack
        .backend
        .search(owner, &query)
        .await
        .expect("search")
        .into_iter()
        .map(|hit| (hit.snippet_id, hit.title))
        .collect()
}

#[tokio::test]
async fn a_half_failing_batch_reports_exactly_the_failed_ids() {
    let stack = stack().await;
    let owner = user(&stack).await;
    let a = snippet(&stack, owner, "a").await;
    let b = snippet(&stack, owner, "b").await;
    let mut event = SqsEvent::default();
    event.records = vec![
        message("ok-1", body(SyncEventType::Upserted, a, owner)),
        message("bad-1", "not json".to_owned()),
        message("ok-2", body(SyncEventType::Analyzed, b, owner)),
        message(
            "bad-2",
            r#"{"event_type":"snippet.renamed","snippet_id":"x"}"#.to_owned(),
        ),
    ];
    let response = code_remote_queue::handle_sqs_event(&stack.worker, event).await;
    let mut failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    assert_eq!(failed, ["bad-1", "bad-2"]);
    let mut docs: Vec<SnippetId> = documents(&stack, owner)
        .await
        .into_iter()
        .map(|d| d.0)
        .collect();
    docs.sort_by_key(|id| id.as_uuid());
    let mut want = vec![a, b];
    want.sort_by_key(|id| id.as_uuid());
    assert_eq!(docs, want);
}

#[tokio::test]
async fn replays_and_reordering_leave_one_current_document_and_deletes_remove_it() {
    let stack = stack().await;
    let owner = user(&stack).await;
    let id = snippet(&stack, owner, "v1").await;
    let created = body(SyncEventType::Upserted, id, owner);
    for title in ["v2", "v3"] {
        let changes = SnippetChanges {
            title: Some(title.into()),
            ..SnippetChanges::default()
        };
        stack
            .store
            .update_snippet(owner, id, &changes)
            .await
            .expect("update");
    }
    let updated = body(SyncEventType::Upserted, id, owner);
    let first = stack.worker.handle(&updated).await.expect("sync");
    assert_eq!(first, SyncOutcome::Upserted { analyzed: true });
    for replay in [&created, &updated, &created, &updated] {
        let outcome = stack.worker.handle(replay).await.expect("replay");
        assert_eq!(outcome, SyncOutcome::Upserted { analyzed: false });
    }
    assert_eq!(
        documents(&stack, owner).await,
        vec![(id, Some("v3".to_owned()))]
    );
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM search_documents WHERE snippet_id = $1")
            .bind(id.as_uuid())
            .fetch_one(stack.store.pool())
            .await
            .expect("count");
    assert_eq!(rows, 1);
    let stored = stack
        .store
        .snippet_for_sync(id)
        .await
        .expect("row")
        .expect("present");
    assert_eq!(stored.time_complexity.as_deref(), Some("O(n)"));
    assert!(!stored.needs_analysis());

    assert!(stack.store.delete_snippet(owner, id).await.expect("delete"));
    let deleted = body(SyncEventType::Deleted, id, owner);
    for late in [&deleted, &updated, &created, &deleted] {
        assert_eq!(
            stack.worker.handle(late).await.expect("late"),
            SyncOutcome::Removed
        );
    }
    assert!(documents(&stack, owner).await.is_empty());
}

#[tokio::test]
async fn an_older_document_never_overwrites_a_newer_one() {
    let stack = stack().await;
    let owner = user(&stack).await;
    let id = snippet(&stack, owner, "current").await;
    stack.worker.sync_snippet(id).await.expect("sync");
    let row = stack
        .store
        .snippet_for_sync(id)
        .await
        .expect("row")
        .expect("present");
    let stale = code_remote_search::SnippetDocument {
        snippet_id: id,
        user_id: owner,
        title: Some("stale".into()),
        description: None,
        language: "python".into(),
        time_complexity: None,
        space_complexity: None,
        patterns: Vec::new(),
        embedding: vec![0.0; 768],
        embedder: "hashed/768".into(),
        is_starred: false,
        updated_at: row.version() - chrono::Duration::seconds(5),
    };
    stack.backend.upsert(&stale).await.expect("stale upsert");
    assert_eq!(
        documents(&stack, owner).await,
        vec![(id, Some("current".to_owned()))]
    );
}

#[tokio::test]
async fn resync_rebuilds_every_document_with_progress() {
    let stack = stack().await;
    let owner = user(&stack).await;
    let mut want = Vec::new();
    for title in ["one", "two", "three"] {
        want.push(snippet(&stack, owner, title).await);
    }
    let mut seen = Vec::new();
    let report = code_remote_sync::resync::run(&stack.store, &stack.worker, |done, total| {
        seen.push((done, total))
    })
    .await
    .expect("resync");
    assert_eq!((report.synced, report.analyzed, report.removed), (3, 3, 0));
    assert!(report.failed.is_empty());
    assert_eq!(seen.last(), Some(&(3, 3)));
    let mut docs: Vec<SnippetId> = documents(&stack, owner)
        .await
        .into_iter()
        .map(|d| d.0)
        .collect();
    docs.sort_by_key(|id| id.as_uuid());
    want.sort_by_key(|id| id.as_uuid());
    assert_eq!(docs, want);
    // A switch of embedder: documents written by another one are re-embedded by the next resync.
    sqlx::query("UPDATE search_documents SET embedder = 'gemini/768'")
        .execute(stack.store.pool())
        .await
        .expect("another embedder's documents");
    let spaces = stack.backend.vector_spaces().await.expect("spaces");
    assert_eq!(spaces, vec![("gemini/768".to_owned(), 3)]);
    let again = code_remote_sync::resync::run(&stack.store, &stack.worker, |_, _| {})
        .await
        .expect("second resync");
    assert_eq!((again.synced, again.analyzed), (3, 0));
    let spaces = stack.backend.vector_spaces().await.expect("spaces");
    assert_eq!(spaces.len(), 1, "{spaces:?}");
    assert_eq!(spaces[0].1, 3);
    assert_ne!(
        spaces[0].0, "gemini/768",
        "re-embedded by the current embedder"
    );
}
