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
            let ctx = cloud::context(&target.stack, "current").await?;
            let outputs = ctx.outputs()?;
            let mut states = Vec::new();
            for secret in AppSecret::ALL {
                states.push(secrets::state(&ctx.aws.secrets, &outputs, secret).await?);
            }
            emit(&Listing(states), target.json)
        }
        SecretsCommand::Set { target, name } => {
            let secret = AppSecret::parse(&name)?;
            let value = read_value(secret).await?;
            let ctx = cloud::context(&target.stack, "current").await?;
            let outputs = ctx.outputs()?;
            let state = secrets::set(&ctx.aws.secrets, &outputs, secret, &value).await?;
            emit(&Listing(vec![state]), target.json)
        }
    }
}

/// The largest value accepted (Secrets Manager stores up to 64 KiB).
const MAX_VALUE: u64 = 64 * 1024;

/// The value from standard input, to its end; on a terminal, with the echo off (refused when
/// it cannot be turned off) and ended with Ctrl-D, so a pasted multi-line value is read whole
/// and none of it is left for the shell.
async fn read_value(secret: AppSecret) -> anyhow::Result<String> {
    let echo = if std::io::stdin().is_terminal() {
        eprintln!(
            "{} value (not echoed; paste it, then Enter and Ctrl-D):",
            secret.name()
        );
        Some(EchoOff::new().context(
            "could not turn the terminal's echo off; pipe the value instead (deploy secrets set ... < file)",
        )?)
    } else {
        None
    };
    let reader = tokio::task::spawn_blocking(|| {
        let mut value = String::new();
        std::io::stdin()
            .lock()
            .take(MAX_VALUE + 1)
            .read_to_string(&mut value)
            .map(|_| value)
    });
    // Ctrl-C must not leave the terminal without echo: the signal is taken here, the echo
    // restored by dropping `echo`, and the command stops.
    let value = tokio::select! {
        read = reader => read
            .context("reading the value from standard input")?
            .context("reading the value from standard input")?,
        _ = tokio::signal::ctrl_c() => {
            drop(echo);
            anyhow::bail!("interrupted: nothing was stored");
        }
    };
    drop(echo);
    if value.len() as u64 > MAX_VALUE {
        anyhow::bail!("the value is over {MAX_VALUE} bytes, more than Secrets Manager stores");
    }
    Ok(value)
}

/// The terminal's echo turned off until dropped (pending input discarded both ways, so nothing
/// typed before or left after reaches the shell).
struct EchoOff(libc::termios);

impl EchoOff {
    fn new() -> std::io::Result<Self> {
        // SAFETY: tcgetattr/tcsetattr/tcflush on fd 0 with a termios we own.
        unsafe {
            let mut termios = std::mem::zeroed::<libc::termios>();
            if libc::tcgetattr(0, &mut termios) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let saved = termios;
            termios.c_lflag &= !libc::ECHO;
            if libc::tcsetattr(0, libc::TCSAFLUSH, &termios) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(Self(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: discards unread input, then restores the settings read in `new`.
        unsafe {
            libc::tcflush(0, libc::TCIFLUSH);
            libc::tcsetattr(0, libc::TCSAFLUSH, &self.0);
        }
        eprintln!();
    }
}
