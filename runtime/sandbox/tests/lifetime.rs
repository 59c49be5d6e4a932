//! No run outlives the request that asked for it: an execution dropped before its end (the
//! client went away, the handler was cancelled) kills its child at once, whether the child
//! was already running or not yet started. A run stopped on request ends the same way and says so.

mod common;

use std::time::{Duration, Instant};

use code_remote_sandbox::Sandbox;
use common::{sandbox, BYPASSED};

/// The pids of every process below `root` (its children, their children, ...).
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc lists").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The fields after the command name, which is in parentheses and may hold spaces.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    found.remove(0);
    found.sort_unstable();
    found
}

async fn settle(sandbox: &Sandbox, expected: &[u32], within: Duration) -> Vec<u32> {
    let root = sandbox.zygote_pid().await.expect("zygote pid");
    let deadline = Instant::now() + within;
    loop {
        let now = descendants(root);
        if now == expected || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_dropped_execution_kills_its_running_child() {
    let sandbox = sandbox(BYPASSED).await;
    let root = sandbox.zygote_pid().await.expect("zygote pid");
    let idle = descendants(root);
    for code in ["while True:\n    pass", "import time\ntime.sleep(25)"] {
        let task = {
            let sandbox = sandbox.clone();
            tokio::spawn(async move { sandbox.execute(code, Duration::from_secs(25)).await })
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while descendants(root).len() <= idle.len() {
            assert!(Instant::now() < deadline, "the run never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        task.abort();
        let after = settle(&sandbox, &idle, Duration::from_secs(3)).await;
        assert_eq!(
            after, idle,
            "the run of {code:?} outlived its dropped execution"
        );
    }
    let next = sandbox.execute("print('ok')", Duration::from_secs(5)).await;
    assert_eq!(next.stdout, "ok\n", "{next:?}");
}

#[tokio::test]
async fn an_execution_dropped_before_its_child_started_leaves_no_child() {
    let sandbox = sandbox(BYPASSED).await;
    let root = sandbox.zygote_pid().await.expect("zygote pid");
    let idle = descendants(root);
    for _ in 0..20 {
        let execution = sandbox.execute("import time\ntime.sleep(25)", Duration::from_secs(25));
        // Polled once (the request is on its way to the zygote), then dropped.
        let _ = tokio::time::timeout(Duration::from_millis(1), execution).await;
    }
    let after = settle(&sandbox, &idle, Duration::from_secs(5)).await;
    assert_eq!(
        after, idle,
        "runs outlived executions dropped at their start"
    );
}

#[tokio::test]
async fn a_stopped_run_is_killed_and_keeps_its_output() {
    let sandbox = sandbox(BYPASSED).await;
    let root = sandbox.zygote_pid().await.expect("zygote pid");
    let idle = descendants(root);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let sandbox = sandbox.clone();
        let code = "import sys\nprint('before', flush=True)\nwhile True:\n    pass";
        tokio::spawn(async move {
            let stop = async {
                let _ = stopped.await;
            };
            sandbox
                .execute_until(code, Duration::from_secs(25), stop)
                .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while descendants(root).len() <= idle.len() {
        assert!(Instant::now() < deadline, "the run never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).expect("the run is waiting");
    let result = task.await.expect("the run ends");
    assert!(
        result.cancelled && !result.timed_out && !result.success,
        "{result:?}"
    );
    assert_eq!(result.error_type.as_deref(), Some("Cancelled"));
    assert_eq!(result.stdout, "before\n");
    assert!(result.execution_time_ms < 25_000.0, "{result:?}");
    let after = settle(&sandbox, &idle, Duration::from_secs(3)).await;
    assert_eq!(after, idle, "the stopped run's process is gone");
}

#[tokio::test]
async fn a_run_stopped_while_waiting_for_a_slot_never_starts() {
    let sandbox = sandbox(BYPASSED).await;
    let result = sandbox
        .execute_until("print('ran')", Duration::from_secs(5), async {})
        .await;
    assert!(result.cancelled, "{result:?}");
    assert_eq!(result.stdout, "", "nothing ran");
}
