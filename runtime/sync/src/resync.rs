//! Rebuilding a search backend from PostgreSQL: every snippet is synced as if an event had
//! arrived, and documents whose snippet no longer exists are removed.

use std::collections::HashSet;

use code_remote_domain::SnippetId;
use code_remote_store::Store;

use crate::{SyncError, SyncWorker};

/// Snippet ids read per page.
const PAGE: i64 = 500;

/// What a resync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResyncReport {
    /// Documents written.
    pub synced: u64,
    /// Snippets analysed on the way (their code had no current analysis).
    pub analyzed: u64,
    /// Stale documents removed.
    pub removed: u64,
    /// Snippets that failed, with the reason.
    pub failed: Vec<(SnippetId, String)>,
}

/// Syncs every snippet in `store` through `worker`, calling `progress(done, total)` after each,
/// then removes documents without a snippet.
pub async fn run(
    store: &Store,
    worker: &SyncWorker,
    mut progress: impl FnMut(u64, u64),
) -> Result<ResyncReport, SyncError> {
    let total = u64::try_from(store.count_snippets().await?).unwrap_or(0);
    let mut report = ResyncReport::default();
    let mut seen = HashSet::new();
    let mut after = None;
    let mut done = 0u64;
    loop {
        let ids = store.snippet_ids_after(after, PAGE).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        for id in ids {
            seen.insert(id);
            match worker.sync_snippet(id).await {
                Ok(crate::SyncOutcome::Upserted { analyzed }) => {
                    report.synced += 1;
                    report.analyzed += u64::from(analyzed);
                }
                Ok(crate::SyncOutcome::Removed) => {}
                Err(err) => report.failed.push((id, err.to_string())),
            }
            done += 1;
            progress(done, total.max(done));
        }
        after = Some(last);
    }
    for id in worker.backend().document_ids().await? {
        if !seen.contains(&id) {
            worker.backend().delete(id).await?;
            report.removed += 1;
        }
    }
    Ok(report)
}
