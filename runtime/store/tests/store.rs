//! The store's queries against a real PostgreSQL migrated by the project's engine.

use code_remote_domain::{
    ConnectionId, ExecutionStatus, JobId, NewSnippet, SnippetChanges, SnippetId,
};
use code_remote_store::{Admission, CancelOutcome, StartOutcome, Store};
use code_remote_testkit::migrated_database;
use serde_json::json;

fn new_snippet(code: &str) -> NewSnippet {
    NewSnippet {
        code: code.to_owned(),
        title: Some("title".to_owned()),
        language: "python".to_owned(),
        description: None,
        is_starred: false,
    }
}

#[tokio::test]
async fn users_are_created_once_per_sub() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let first = store
        .sync_user("sub-a", Some("a@example.com"), Some("a"))
        .await
        .unwrap();
    let again = store.sync_user("sub-a", None, None).await.unwrap();
    let other = store.sync_user("sub-b", None, None).await.unwrap();
    let also_no_email = store.sync_user("sub-c", None, None).await.unwrap();
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert_ne!(other, also_no_email);
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE cognito_sub = 'sub-a'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("a@example.com"));
    // The email is not an identity: a second subject with the same email is a second user.
    let same_email = store
        .sync_user("sub-d", Some("a@example.com"), Some("d"))
        .await
        .unwrap();
    assert_ne!(same_email, first);
}

#[tokio::test]
async fn last_login_is_written_at_most_once_a_minute() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    store.sync_user("sub", None, None).await.unwrap();
    let read = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "SELECT last_login FROM users WHERE cognito_sub = 'sub'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap()
    };
    let first = read().await;
    store.sync_user("sub", None, None).await.unwrap();
    assert_eq!(
        read().await,
        first,
        "a second request within a minute writes nothing"
    );
    sqlx::query("UPDATE users SET last_login = now() - interval '2 minutes'")
        .execute(store.pool())
        .await
        .unwrap();
    let stale = read().await;
    store.sync_user("sub", None, None).await.unwrap();
    assert!(read().await > stale, "an old last_login is refreshed");
}

#[tokio::test]
async fn snippets_are_scoped_to_their_owner() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let alice = store.sync_user("alice", None, None).await.unwrap();
    let bob = store.sync_user("bob", None, None).await.unwrap();
    let snippet = store
        .create_snippet(alice, &new_snippet("x = 1"))
        .await
        .unwrap();
    assert!(store.snippet(alice, snippet.id).await.unwrap().is_some());
    assert!(store.snippet(bob, snippet.id).await.unwrap().is_none());
    let changes = SnippetChanges {
        title: Some("mine".into()),
        ..SnippetChanges::default()
    };
    assert!(store
        .update_snippet(bob, snippet.id, &changes)
        .await
        .unwrap()
        .is_none());
    assert!(store.toggle_star(bob, snippet.id).await.unwrap().is_none());
    assert!(!store.delete_snippet(bob, snippet.id).await.unwrap());
    assert_eq!(store.list_snippets(bob, 50, 0).await.unwrap().total, 0);
    assert!(store.delete_snippet(alice, snippet.id).await.unwrap());
    assert!(store.snippet(alice, snippet.id).await.unwrap().is_none());
    assert!(store
        .snippet(alice, SnippetId::generate())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn listing_orders_starred_first_then_recent_and_counts_all() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let owner = store.sync_user("owner", None, None).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            store
                .create_snippet(owner, &new_snippet(&format!("x = {n}")))
                .await
                .unwrap()
                .id,
        );
    }
    store.toggle_star(owner, ids[1]).await.unwrap();
    let page = store.list_snippets(owner, 2, 0).await.unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].id, ids[1]);
    assert_eq!(page.items[1].id, ids[4]);
    let last = store.list_snippets(owner, 2, 4).await.unwrap();
    assert_eq!(last.total, 5);
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.items[0].id, ids[0]);
}

#[tokio::test]
async fn update_leaves_absent_fields_and_star_toggles() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let owner = store.sync_user("owner", None, None).await.unwrap();
    let created = store
        .create_snippet(owner, &new_snippet("x = 1"))
        .await
        .unwrap();
    let updated = store
        .update_snippet(
            owner,
            created.id,
            &SnippetChanges {
                description: Some("about".into()),
                ..SnippetChanges::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.code, "x = 1");
    assert_eq!(updated.title.as_deref(), Some("title"));
    assert_eq!(updated.description.as_deref(), Some("about"));
    assert!(updated.updated_at >= created.updated_at);
    let starred = store.toggle_star(owner, created.id).await.unwrap().unwrap();
    assert!(starred.is_starred);
    let unstarred = store.toggle_star(owner, created.id).await.unwrap().unwrap();
    assert!(!unstarred.is_starred);
}

#[tokio::test]
async fn executions_finish_once() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let user = store.sync_user("runner", None, None).await.unwrap();
    let job = JobId::generate();
    let connection = ConnectionId::parse("runner-1=").unwrap();
    store.open_connection(&connection, user).await.unwrap();
    for _ in 0..2 {
        assert_eq!(
            store
                .admit_execution(job, user, "print(1)", &connection, 10)
                .await
                .unwrap(),
            Admission::Queued,
            "admitting is idempotent on the job id"
        );
    }
    assert_eq!(
        store.execution(job).await.unwrap().unwrap().status,
        ExecutionStatus::Queued
    );
    assert_eq!(
        store.start_execution(job, user, "print(1)").await.unwrap(),
        StartOutcome::Run
    );
    assert_eq!(
        store.start_execution(job, user, "print(1)").await.unwrap(),
        StartOutcome::Run,
        "a retry after a crash runs again"
    );
    let first = json!({"success": true, "stdout": "1\n"});
    assert!(store
        .finish_execution(job, ExecutionStatus::Succeeded, &first)
        .await
        .unwrap());
    assert!(!store
        .finish_execution(job, ExecutionStatus::Failed, &json!({"success": false}))
        .await
        .unwrap());
    match store.start_execution(job, user, "print(1)").await.unwrap() {
        StartOutcome::AlreadyFinished(stored) => {
            assert_eq!(stored.status, ExecutionStatus::Succeeded);
            assert_eq!(stored.result, Some(first));
        }
        StartOutcome::Run | StartOutcome::Stopped => panic!("a finished job must not run again"),
    }
    let unknown = JobId::generate();
    assert_eq!(
        store.start_execution(unknown, user, "x").await.unwrap(),
        StartOutcome::Run
    );
    assert!(store.execution(JobId::generate()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_stop_cancels_a_queued_job_flags_a_running_one_and_only_for_its_owner() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let owner = store.sync_user("owner", None, None).await.unwrap();
    let other = store.sync_user("other", None, None).await.unwrap();
    let connection = ConnectionId::parse("owner-1=").unwrap();
    store.open_connection(&connection, owner).await.unwrap();
    let stopped = json!({"success": false, "cancelled": true});

    let queued = JobId::generate();
    store
        .admit_execution(queued, owner, "print(1)", &connection, 10)
        .await
        .unwrap();
    assert_eq!(
        store
            .cancel_execution(queued, other, &stopped)
            .await
            .unwrap(),
        CancelOutcome::NotFound,
        "another user cannot stop the job"
    );
    assert!(!store.cancel_requested(queued).await.unwrap());
    assert_eq!(
        store
            .cancel_execution(queued, owner, &stopped)
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    );
    match store
        .start_execution(queued, owner, "print(1)")
        .await
        .unwrap()
    {
        StartOutcome::AlreadyFinished(stored) => {
            assert_eq!(stored.status, ExecutionStatus::Cancelled);
            assert_eq!(
                stored.result,
                Some(stopped.clone()),
                "the worker pushes this instead"
            );
        }
        StartOutcome::Run | StartOutcome::Stopped => panic!("a cancelled job must not run"),
    }
    assert_eq!(
        store
            .cancel_execution(queued, owner, &stopped)
            .await
            .unwrap(),
        CancelOutcome::Finished(ExecutionStatus::Cancelled)
    );

    let running = JobId::generate();
    store
        .admit_execution(running, owner, "while True: pass", &connection, 10)
        .await
        .unwrap();
    store
        .start_execution(running, owner, "while True: pass")
        .await
        .unwrap();
    assert_eq!(
        store
            .cancel_execution(running, owner, &stopped)
            .await
            .unwrap(),
        CancelOutcome::Stopping
    );
    assert!(store.cancel_requested(running).await.unwrap());
    assert_eq!(
        store.execution(running).await.unwrap().unwrap().status,
        ExecutionStatus::Running,
        "the worker ends a running job with the run's own result"
    );
    assert!(store
        .finish_execution(running, ExecutionStatus::Cancelled, &stopped)
        .await
        .unwrap());
    assert_eq!(
        store
            .cancel_execution(running, owner, &stopped)
            .await
            .unwrap(),
        CancelOutcome::Finished(ExecutionStatus::Cancelled)
    );
    assert_eq!(
        store
            .cancel_execution(JobId::generate(), owner, &stopped)
            .await
            .unwrap(),
        CancelOutcome::NotFound
    );
    assert!(!store.cancel_requested(JobId::generate()).await.unwrap());
}

#[tokio::test]
async fn admission_checks_the_connection_and_the_users_share_in_one_statement() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let user = store.sync_user("sharer", None, None).await.unwrap();
    let other = store.sync_user("other", None, None).await.unwrap();
    let mine = ConnectionId::parse("mine=").unwrap();
    let theirs = ConnectionId::parse("theirs=").unwrap();
    store.open_connection(&mine, user).await.unwrap();
    store.open_connection(&theirs, other).await.unwrap();
    let admit = |job, connection| {
        let store = store.clone();
        async move {
            store
                .admit_execution(job, user, "print(1)", connection, 2)
                .await
                .unwrap()
        }
    };
    let refused = JobId::generate();
    assert_eq!(admit(refused, &theirs).await, Admission::ConnectionNotFound);
    assert!(
        store.execution(refused).await.unwrap().is_none(),
        "nothing recorded"
    );
    let gone = ConnectionId::parse("gone=").unwrap();
    assert_eq!(
        admit(JobId::generate(), &gone).await,
        Admission::ConnectionNotFound
    );
    assert_eq!(admit(JobId::generate(), &mine).await, Admission::Queued);
    let second = JobId::generate();
    assert_eq!(admit(second, &mine).await, Admission::Queued);
    let third = JobId::generate();
    assert_eq!(admit(third, &mine).await, Admission::TooManyPending);
    assert!(
        store.execution(third).await.unwrap().is_none(),
        "nothing recorded"
    );
    store
        .finish_execution(
            second,
            ExecutionStatus::Succeeded,
            &json!({"success": true}),
        )
        .await
        .unwrap();
    assert_eq!(
        admit(third, &mine).await,
        Admission::Queued,
        "a finished job frees its place"
    );
}

#[tokio::test]
async fn connections_remember_their_owner() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let user = store.sync_user("ws", None, None).await.unwrap();
    let connection = ConnectionId::parse("conn-1=").unwrap();
    assert_eq!(store.connection_owner(&connection).await.unwrap(), None);
    store.open_connection(&connection, user).await.unwrap();
    store.open_connection(&connection, user).await.unwrap();
    assert_eq!(
        store.connection_owner(&connection).await.unwrap(),
        Some(user)
    );
    store.close_connection(&connection).await.unwrap();
    assert_eq!(store.connection_owner(&connection).await.unwrap(), None);
    assert!(store.ping().await);
}

#[tokio::test]
async fn a_result_holding_a_nul_byte_is_stored_and_read_back_faithfully() {
    let (_db, pool) = migrated_database().await;
    let store = Store::from_pool(pool);
    let user = store.sync_user("nul-writer", None, None).await.unwrap();
    let job = JobId::generate();
    store
        .start_execution(job, user, "print('a\\0b')")
        .await
        .unwrap();
    let result = json!({"success": true, "stdout": "a\u{0}b\n"});
    assert!(store
        .finish_execution(job, ExecutionStatus::Succeeded, &result)
        .await
        .unwrap());
    let stored = store.execution(job).await.unwrap().unwrap();
    assert_eq!(stored.status, ExecutionStatus::Succeeded);
    assert_eq!(stored.result, Some(result));
}
