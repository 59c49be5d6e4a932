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
            "  sign in    {} / {}",
            self.demo.username, self.demo.password
        )?;
        writeln!(
            f,
            "  a token    deploy local token --user {} --name {name}",
            self.demo.username
        )?;
        writeln!(f, "  logs       {}", self.dir.join("logs").display())?;
        let stop = format!("deploy down --stack local --name {name}");
        if self.detached {
            write!(f, "  stop       {stop}")
        } else {
            write!(f, "  stop       Ctrl-C, or {stop}")
        }
    }
}
