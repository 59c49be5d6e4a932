//! What `deploy up --stack local` tells its user once the stack is ready.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::outputs::Outputs;
use crate::state::DemoUser;

/// A ready stack: its endpoints, the demo sign-in and where its files are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The stack's name.
    pub name: String,
    /// Its endpoints.
    pub outputs: Outputs,
    /// The seeded user.
    pub demo: DemoUser,
    /// Its directory (state, logs).
    pub dir: PathBuf,
    /// Whether the stack runs in the background (`--detach`).
    pub detached: bool,
}

/// How to run this `deploy` again from any shell: its full path (after a fresh clone it lives
/// in the build directory, not on the PATH), or plain `deploy` if that cannot be told.
fn deploy_command() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| path.to_str().map(str::to_owned))
        .filter(|path| !path.contains(char::is_whitespace))
        .unwrap_or_else(|| "deploy".to_owned())
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.outputs;
        let name = &self.name;
        writeln!(f, "Code Remote stack {name:?} is up")?;
        writeln!(f, "  app        {}", o.frontend_url)?;
        writeln!(f, "  api        {}", o.api_url)?;
        writeln!(f, "  websocket  {}", o.websocket_url)?;
        writeln!(f, "  aws (moto) {}", o.aws_endpoint_url)?;
        writeln!(f, "  database   {}", o.database_url)?;
        writeln!(
            f,
            "  queues     {} ({})",
            o.queue_engine, o.execution_queue_url
        )?;
        writeln!(
            f,
            "  sign in    {} / {}",
            self.demo.username, self.demo.password
        )?;
        let deploy = deploy_command();
        writeln!(
            f,
            "  a token    {deploy} local token --user {} --name {name}",
            self.demo.username
        )?;
        writeln!(f, "  logs       {}", self.dir.join("logs").display())?;
        let stop = format!("{deploy} down --stack local --name {name}");
        if self.detached {
            write!(f, "  stop       {stop}")
        } else {
            write!(f, "  stop       Ctrl-C, or {stop}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_commands_run_from_any_shell() {
        let url = |path: &str| format!("http://127.0.0.1:8000{path}");
        let summary = Summary {
            name: "dev1".into(),
            outputs: Outputs {
                api_url: url(""),
                websocket_url: "ws://127.0.0.1:8000/ws".into(),
                frontend_url: url("/"),
                user_pool_id: "us-east-1_abc".into(),
                user_pool_client_id: "client".into(),
                region: "us-east-1".into(),
                cognito_issuer: url("/us-east-1_abc"),
                jwks_url: url("/jwks.json"),
                aws_endpoint_url: "http://127.0.0.1:5000".into(),
                database_url: "postgres://127.0.0.1/db".into(),
                queue_engine: "postgres".into(),
                execution_queue_url: "pgqueue://execution.fifo".into(),
                sync_queue_url: "pgqueue://snippet-sync.fifo".into(),
            },
            demo: DemoUser {
                username: "demo".into(),
                password: "secret".into(),
            },
            dir: PathBuf::from("/tmp/stack"),
            detached: true,
        };
        let text = summary.to_string();
        let exe = std::env::current_exe().expect("the test binary's path");
        let exe = exe.to_str().expect("a UTF-8 path");
        assert!(
            text.contains(&format!("{exe} local token --user demo --name dev1")),
            "{text}"
        );
        assert!(
            text.contains(&format!("stop       {exe} down --stack local --name dev1")),
            "{text}"
        );
    }
}
