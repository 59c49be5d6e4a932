//! Running external programs: one place that finds the binary, logs the command line, captures
//! stderr and passes the exit code on.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why an external program could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The program is not installed (or the override points nowhere).
    #[error("{tool} not found: {hint}")]
    Missing {
        /// The program's name.
        tool: String,
        /// How to install it.
        hint: String,
    },
    /// The program started but exited unsuccessfully.
    #[error("`{command}` failed with exit code {code}: {stderr}")]
    Failed {
        /// The command line, as it would be typed.
        command: String,
        /// The exit code (-1 when killed by a signal).
        code: i32,
        /// What the program wrote to stderr (trimmed).
        stderr: String,
    },
    /// The program could not be started or read.
    #[error("could not run `{command}`: {source}")]
    Io {
        /// The command line.
        command: String,
        /// The operating-system error.
        source: std::io::Error,
    },
}

/// An external program `deploy` depends on, found on `PATH` unless an environment variable names it.
#[derive(Debug, Clone)]
pub struct Tool {
    name: String,
    program: Vec<String>,
    override_var: String,
    hint: String,
    unset_when_empty: Vec<String>,
}

impl Tool {
    /// Describes a tool: `name` is what is looked up on `PATH`, `override_var` the environment
    /// variable that replaces it (tests point it at a replay script), `hint` how to install it.
    pub fn new(name: &str, override_var: &str, hint: &str) -> Self {
        Self {
            name: name.to_owned(),
            program: vec![name.to_owned()],
            override_var: override_var.to_owned(),
            hint: hint.to_owned(),
            unset_when_empty: Vec::new(),
        }
    }

    /// Does not hand the tool `variable` when it is set but empty in `deploy`'s environment:
    /// GitHub Actions gives a missing secret as an empty string, which a tool may take as a real
    /// value (Pulumi takes an empty `PULUMI_CONFIG_PASSPHRASE` as an empty passphrase).
    pub fn unset_when_empty(mut self, variable: &str) -> Self {
        self.unset_when_empty.push(variable.to_owned());
        self
    }

    /// Arguments every invocation starts with, after the program itself: `cargo-lambda` is run
    /// as `cargo-lambda lambda ...`, the way `cargo lambda` runs it.
    pub fn with_prefix(mut self, program: &[&str]) -> Self {
        self.program = program.iter().map(|part| (*part).to_owned()).collect();
        self
    }

    /// The tool's name, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Finds the executable: the override variable first, then `PATH`.
    pub fn locate(&self) -> Result<PathBuf, ToolError> {
        if let Some(path) = std::env::var_os(&self.override_var).filter(|value| !value.is_empty()) {
            let path = PathBuf::from(path);
            return if path.is_file() {
                Ok(path)
            } else {
                Err(self.missing())
            };
        }
        let first = self
            .program
            .first()
            .map_or(self.name.as_str(), String::as_str);
        find_on_path(first).ok_or_else(|| self.missing())
    }

    fn missing(&self) -> ToolError {
        ToolError::Missing {
            tool: self.name.clone(),
            hint: format!("{} (or set {} to its path)", self.hint, self.override_var),
        }
    }

    fn command(
        &self,
        args: &[OsString],
        dir: &Path,
        env: &[(String, String)],
    ) -> Result<(Command, String), ToolError> {
        let binary = self.locate()?;
        let mut command = Command::new(&binary);
        let prefix: &[String] = self.program.get(1..).unwrap_or(&[]);
        command.args(prefix).args(args).current_dir(dir);
        for variable in &self.unset_when_empty {
            if std::env::var_os(variable).is_some_and(|value| value.is_empty()) {
                command.env_remove(variable);
            }
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let line = std::iter::once(binary.display().to_string())
            .chain(prefix.iter().cloned())
            .chain(args.iter().map(|arg| arg.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
        tracing::debug!(command = %line, dir = %dir.display(), "running");
        Ok((command, line))
    }

    /// Runs the tool to completion and returns its stdout; a non-zero exit is an error carrying
    /// stderr.
    pub fn run<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[S],
        dir: &Path,
        env: &[(String, String)],
    ) -> Result<String, ToolError> {
        let args: Vec<OsString> = args.iter().map(|arg| arg.as_ref().to_owned()).collect();
        let (mut command, line) = self.command(&args, dir, env)?;
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|source| ToolError::Io {
                command: line.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(ToolError::Failed {
                command: line,
                code: output.status.code().unwrap_or(-1),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs the tool and hands each stdout line to `on_line` as it arrives (for event streams
    /// and progress), stderr being kept for the error.
    pub fn stream<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[S],
        dir: &Path,
        env: &[(String, String)],
        mut on_line: impl FnMut(&str),
    ) -> Result<(), ToolError> {
        let args: Vec<OsString> = args.iter().map(|arg| arg.as_ref().to_owned()).collect();
        let (mut command, line) = self.command(&args, dir, env)?;
        let io = |source| ToolError::Io {
            command: line.clone(),
            source,
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io)?;
        let stderr_pipe = child.stderr.take();
        let stderr_reader = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = stderr_pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        });
        if let Some(stdout) = child.stdout.take() {
            for next in BufReader::new(stdout).lines() {
                on_line(&next.map_err(io)?);
            }
        }
        let status = child.wait().map_err(io)?;
        let stderr = stderr_reader.join().unwrap_or_default();
        if !status.success() {
            return Err(ToolError::Failed {
                command: line,
                code: status.code().unwrap_or(-1),
                stderr: stderr.trim().to_owned(),
            });
        }
        Ok(())
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_itself_and_the_fix() {
        let tool = Tool::new(
            "surely-not-installed-xyz",
            "CODE_REMOTE_TEST_NO_SUCH_VAR",
            "install it",
        );
        let message = tool.locate().map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            message,
            "surely-not-installed-xyz not found: install it (or set CODE_REMOTE_TEST_NO_SUCH_VAR to its path)"
        );
    }

    #[test]
    fn a_failed_run_shows_the_command_line_code_and_stderr() {
        let tool = Tool::new("sh", "CODE_REMOTE_TEST_NO_SUCH_VAR", "install a shell");
        let error = tool
            .run(&["-c", "echo broken >&2; exit 3"], Path::new("."), &[])
            .unwrap_err();
        match error {
            ToolError::Failed {
                command,
                code,
                stderr,
            } => {
                assert!(
                    command.ends_with("sh -c echo broken >&2; exit 3"),
                    "{command}"
                );
                assert_eq!(code, 3);
                assert_eq!(stderr, "broken");
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn streaming_delivers_every_line_in_order() {
        let tool = Tool::new("sh", "CODE_REMOTE_TEST_NO_SUCH_VAR", "install a shell");
        let mut lines = Vec::new();
        tool.stream(
            &["-c", "printf 'a\\nb\\nc\\n'"],
            Path::new("."),
            &[],
            |line| lines.push(line.to_owned()),
        )
        .unwrap();
        assert_eq!(lines, ["a", "b", "c"]);
    }
}
