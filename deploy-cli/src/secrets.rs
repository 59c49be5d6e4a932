//! `deploy secrets list|set --stack S [NAME]`: the application secrets a stack creates empty.
//! `set` reads the value from standard input (with the terminal's echo off when it is one) and
//! never prints it; the value must have the shape the functions read.

use std::fmt;
use std::io::{IsTerminal, Read};

use anyhow::Context;
use code_remote_release::secrets::{self, AppSecret, SecretState};

use crate::cloud::{self, StackFlags};
use crate::output::emit;

/// Flags of `deploy secrets`.
#[derive(Debug, clap::Args)]
pub struct SecretsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SecretsCommand,
}

/// Subcommands of `deploy secrets`.
#[derive(Debug, clap::Subcommand)]
pub enum SecretsCommand {
    /// Whether each secret holds a usable value, and since when (never the value).
    List {
        /// Which stack.
        #[command(flatten)]
        target: StackFlags,
    },
    /// Store a secret's value, read from standard input: `gemini` (the API key) or `neo4j`
    /// (`{"uri": "neo4j+s://...", "username": "...", "password": "..."}`).
    Set {
        /// Which stack.
        #[command(flatten)]
        target: StackFlags,
        /// `gemini` or `neo4j`.
        name: String,
    },
}

struct Listing(Vec<SecretState>);

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, state) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let shown = match (state.set, state.changed) {
                (true, Some(changed)) => format!("set (changed {changed})"),
                (true, None) => "set".to_owned(),
                (false, _) => "EMPTY".to_owned(),
            };
            write!(f, "{:7} {shown:40} {}", state.secret.name(), state.arn)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Listing {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Runs `deploy secrets ...`.
pub async fn run(args: SecretsArgs) -> anyhow::Result<()> {
    match args.command {
        SecretsCommand::List { target } => {
            let stack = cloud::stack(&target.stack)?;
            let ctx = cloud::context(&stack, "current").await?;
            let outputs = ctx.outputs()?;
            let mut states = Vec::new();
            for secret in AppSecret::ALL {
                states.push(secrets::state(&ctx.aws.secrets, &outputs, secret).await?);
            }
            emit(&Listing(states), target.json)
        }
        SecretsCommand::Set { target, name } => {
            let secret = AppSecret::parse(&name)?;
            let stack = cloud::stack(&target.stack)?;
            let value = read_value(secret)?;
            let ctx = cloud::context(&stack, "current").await?;
            let outputs = ctx.outputs()?;
            let state = secrets::set(&ctx.aws.secrets, &outputs, secret, &value).await?;
            emit(&Listing(vec![state]), target.json)
        }
    }
}

/// The value from standard input; on a terminal, asked for with the echo off.
fn read_value(secret: AppSecret) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let mut value = String::new();
    if stdin.is_terminal() {
        eprint!("{} value (not echoed, end with Enter): ", secret.name());
        let _echo = EchoOff::new();
        stdin.read_line(&mut value).context("reading the value")?;
        eprintln!();
    } else {
        stdin
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut value)
            .context("reading the value from standard input")?;
    }
    Ok(value)
}

/// The terminal's echo turned off until dropped.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> Self {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios we own; failure leaves echo on.
        unsafe {
            let mut termios = std::mem::zeroed::<libc::termios>();
            if libc::tcgetattr(0, &mut termios) != 0 {
                return Self(None);
            }
            let saved = termios;
            termios.c_lflag &= !libc::ECHO;
            if libc::tcsetattr(0, libc::TCSANOW, &termios) != 0 {
                return Self(None);
            }
            Self(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            // SAFETY: restores the settings read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, saved);
            }
        }
    }
}
