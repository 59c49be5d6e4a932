//! `deploy up --stack local`: start every part of a stack, watch it, tear it down on Ctrl-C.
//!
//! The process that runs [`run`] is the stack's supervisor: every other process of the stack is
//! its child (with a parent-death signal) and is recorded in the state file. With `--detach` the
//! command starts a copy of itself as the supervisor in a new session and returns once the stack
//! is ready ([`crate::detach`]).

use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::aws;
use crate::outputs::Outputs;
use crate::postgres::{self, Postgres};
use crate::queues;
use crate::services::{self, Wiring};
use crate::spawn::{self, Running};
use crate::state::{Phase, StackDir, State};
use crate::summary::Summary;
use crate::web::{self, WebConfig};
use crate::{migrate, moto, seed, Error, SearchBackend, UpOptions};
use code_remote_config::{Env, Neo4jCredentials};
use code_remote_moto::REGION;

/// The API port tried first when `--port` is not given.
const DEFAULT_API_PORT: u16 = 8000;

/// How long the API may take to answer `/health`.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(30);

/// How long each child gets to stop before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A stack being started or run: its directory, state and children.
struct Stack {
    dir: StackDir,
    state: State,
    running: Vec<Running>,
    #[cfg(feature = "docker")]
    docker: Option<Box<code_remote_ephemeral_postgres::docker::DockerPostgres>>,
    /// The throwaway Bolt server of `--search-backend neo4j` without `NEO4J_URI`; it stops with
    /// the stack (and dies with this process).
    bolt: Option<code_remote_ephemeral_bolt::BoltServer>,
}

/// The signals that stop a stack.
struct Stops {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl Stops {
    fn install() -> Result<Self, Error> {
        let listen = |kind| signal(kind).map_err(|e| Error::io("installing signal handlers", e));
        Ok(Self {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
            hangup: listen(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
    }
}

/// Runs the stack in this process until a stop signal or a child's death; `detached` when this
/// process is the background copy started by `--detach`.
pub async fn run(options: &UpOptions, detached: bool) -> Result<(), Error> {
    let mut stops = Stops::install()?;
    let dir = StackDir::of(&options.name);
    claim(&dir)?;
    dir.create()?;
    let mut stack = Stack {
        state: State::starting(&options.name),
        dir,
        running: Vec::new(),
        #[cfg(feature = "docker")]
        docker: None,
        bolt: None,
    };
    stack.save()?;
    let started = tokio::select! {
        started = start(&mut stack, options) => started,
        () = stops.next() => Err(Error::Interrupted),
    };
    let outcome = match started {
        Ok(summary) => {
            stack.state.phase = Phase::Ready;
            stack.state.outputs = Some(summary.outputs.clone());
            stack.state.demo = Some(summary.demo.clone());
            stack.save()?;
            let summary = Summary {
                detached,
                ..summary
            };
            let _ = writeln!(std::io::stdout(), "{summary}");
            watch(
                &mut stack,
                &mut stops,
                !detached && std::io::stdout().is_terminal(),
            )
            .await
        }
        Err(error) => {
            stack.state.phase = Phase::Failed;
            stack.state.error = Some(error.to_string());
            let _ = stack.save();
            Err(error)
        }
    };
    stack.teardown();
    if outcome.is_ok() {
        let _ = writeln!(
            std::io::stdout(),
            "stack {:?} stopped and removed",
            options.name.as_str()
        );
    }
    outcome
}

/// Refuses a name whose stack runs; reaps what a dead one left behind.
pub(crate) fn claim(dir: &StackDir) -> Result<(), Error> {
    let state = match dir.read() {
        Ok(state) => state,
        // A half-written file from a killed run: nothing in it can be trusted, start over.
        Err(Error::BadState { .. }) => None,
        Err(other) => return Err(other),
    };
    if let Some(state) = &state {
        if let Some(supervisor) = state.supervisor.as_ref().filter(|s| s.is_alive()) {
            if supervisor.pid != std::process::id() {
                return Err(Error::AlreadyRunning {
                    name: dir.name().to_string(),
                    pid: supervisor.pid,
                });
            }
        }
    }
    if state.is_some() {
        dir.reap(state.as_ref())?;
    }
    Ok(())
}

impl Stack {
    fn save(&self) -> Result<(), Error> {
        self.dir.write(&self.state)
    }

    /// Adds a started child to the stack and records it.
    fn adopt(&mut self, running: Running) -> Result<(), Error> {
        if let Some(record) = running.record() {
            self.state.processes.push(record);
        }
        self.running.push(running);
        self.save()
    }

    /// Stops every child (last started first), then removes whatever the state still lists.
    fn teardown(&mut self) {
        self.state.phase = Phase::Stopping;
        let _ = self.save();
        while let Some(mut child) = self.running.pop() {
            child.stop(STOP_GRACE);
        }
        #[cfg(feature = "docker")]
        drop(self.docker.take());
        let _ = self.dir.reap(Some(&self.state));
    }

    /// The first child that has exited, as an error.
    fn exited_child(&mut self) -> Option<Error> {
        self.running.iter_mut().find_map(|child| {
            let status = child.exited()?;
            Some(child.exit_error(status))
        })
    }
}

/// Starts everything and seeds the demo data.
async fn start(stack: &mut Stack, options: &UpOptions) -> Result<Summary, Error> {
    let project = project_root();
    let bin_dir = spawn::bin_dir()?;
    let services = services::resolve(&bin_dir)?;
    let given = match options.search_backend {
        SearchBackend::Neo4j => Neo4jCredentials::load_optional(&Env::process())?,
        SearchBackend::Postgres => None,
    };
    let neo4j = match (options.search_backend, given) {
        (SearchBackend::Neo4j, Some(credentials)) => Some(credentials),
        (SearchBackend::Neo4j, None) => {
            let server = code_remote_ephemeral_bolt::BoltServer::start()
                .await
                .map_err(|err| Error::NoNeo4j(err.to_string()))?;
            eprintln!(
                "neo4j: {} at {} (NEO4J_URI is not set; vector and full-text indexes are Neo4j's only: search ranks by an exact scan)",
                server.server_name(),
                server.uri()
            );
            let credentials = server.credentials();
            stack.bolt = Some(server);
            Some(credentials)
        }
        (SearchBackend::Postgres, _) => None,
    };
    let offline_model_dir =
        Some(project.join(code_remote_config::contract::embedding_model::CHECKOUT_DIR))
            .filter(|dir| dir.join("model.safetensors").is_file());
    let moto_binary = moto::ensure_installed(&project).await?;
    let (database, emulator) = tokio::join!(
        postgres::start(&stack.dir),
        moto::start(&moto_binary, &stack.dir)
    );
    // Adopt whatever started before looking at failures, so that teardown stops it.
    let aws_endpoint_url = emulator.and_then(|emulator| {
        stack.state.ports.insert("moto".into(), emulator.port);
        stack.adopt(emulator.process)?;
        Ok(emulator.url)
    });
    let database_url = database.and_then(|database| adopt_postgres(stack, database));
    let (aws_endpoint_url, database_url) = (aws_endpoint_url?, database_url?);

    let name = options.name.as_str();
    let gemini_key = std::env::var("GEMINI_API_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let (resources, (), queues) = tokio::try_join!(
        aws::provision(&aws_endpoint_url, name, gemini_key.as_deref()),
        apply_migrations(&database_url, neo4j.as_ref(), offline_model_dir.is_some()),
        queues::provision(options.queue, &database_url, &aws_endpoint_url),
    )?;

    let port = api_port(options.port)?;
    stack.state.ports.insert("api".into(), port);
    let api_url = format!("http://127.0.0.1:{port}");
    let websocket_url = format!("ws://127.0.0.1:{port}/ws");
    let frontend_dir = web::build(
        &project.join("frontend/dist"),
        &stack.dir.root().join("web"),
        &WebConfig {
            api_url: &api_url,
            websocket_url: &websocket_url,
            pool: &resources.pool,
            aws_endpoint_url: &aws_endpoint_url,
        },
    )?;
    let wiring = Wiring {
        database_url: database_url.clone(),
        aws_endpoint_url: aws_endpoint_url.clone(),
        resources: resources.clone(),
        queues: queues.clone(),
        api_listen: format!("127.0.0.1:{port}"),
        api_url: api_url.clone(),
        search_backend: options.search_backend.as_str().to_owned(),
        neo4j,
        frontend_dir,
        offline_model_dir,
        access_key_id: services::new_access_key_id(),
    };
    for function in services {
        let running = services::start(function, &bin_dir, &wiring, &stack.dir)?;
        stack.adopt(running)?;
    }
    let cognito = aws::cognito(&aws_endpoint_url);
    let (healthy, demo) = tokio::join!(
        wait_healthy(stack, &api_url),
        seed::demo_user(&cognito, &resources.pool)
    );
    healthy?;
    let (demo, token) = demo?;
    seed::snippets(&api_url, &token).await?;
    let pool = &resources.pool;
    let outputs = Outputs {
        websocket_url,
        frontend_url: format!("{api_url}/"),
        user_pool_id: pool.pool_id.clone(),
        user_pool_client_id: pool.client_id.clone(),
        region: REGION.to_owned(),
        cognito_issuer: pool.issuer.clone(),
        jwks_url: pool.jwks_url.clone(),
        aws_endpoint_url,
        database_url,
        queue_engine: options.queue.as_str().to_owned(),
        execution_queue_url: queues.execution,
        sync_queue_url: queues.sync,
        api_url,
    };
    Ok(Summary {
        name: name.to_owned(),
        outputs,
        demo,
        dir: stack.dir.root().to_path_buf(),
        detached: false,
    })
}

/// Records the cluster (its `serve` child, its server and its directory); returns its URL.
fn adopt_postgres(stack: &mut Stack, database: Postgres) -> Result<String, Error> {
    let url = database.url();
    match database {
        Postgres::Local {
            serve,
            server_pid,
            dir,
            ..
        } => {
            stack.adopt(serve)?;
            if let Some(record) = crate::procs::ProcessRecord::of("postgres-server", server_pid) {
                stack.state.processes.insert(0, record);
            }
            if let Some(port) = port_of(&url) {
                stack.state.ports.insert("postgres".into(), port);
            }
            stack.state.dirs.push(dir);
            stack.save()?;
        }
        #[cfg(feature = "docker")]
        Postgres::Docker(container) => stack.docker = Some(container),
    }
    Ok(url)
}

fn port_of(url: &str) -> Option<u16> {
    let authority = url.split("://").nth(1)?.split('/').next()?;
    authority.rsplit(':').next()?.parse().ok()
}

async fn apply_migrations(
    database_url: &str,
    neo4j: Option<&Neo4jCredentials>,
    offline_model: bool,
) -> Result<(), Error> {
    migrate::postgres(database_url).await?;
    if let Some(credentials) = neo4j {
        migrate::neo4j(credentials, offline_model).await?;
    }
    Ok(())
}

/// The API's port: the requested (or default) one when free, else any free one, said aloud.
fn api_port(requested: Option<u16>) -> Result<u16, Error> {
    let wanted = requested.unwrap_or(DEFAULT_API_PORT);
    if TcpListener::bind(("127.0.0.1", wanted)).is_ok() {
        return Ok(wanted);
    }
    let port = moto::free_port()?;
    if requested.is_some() {
        eprintln!("port {wanted} is in use; the API listens on {port} instead");
    }
    Ok(port)
}

/// Waits until the API answers `/health`, failing early when a child dies.
async fn wait_healthy(stack: &mut Stack, api_url: &str) -> Result<(), Error> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let log = stack.dir.log("api");
    loop {
        if let Some(error) = stack.exited_child() {
            return Err(error);
        }
        // Only our own API counts: a stack started at the same moment on the same port would
        // answer /health too, so wait for our API's log to say it bound its listener.
        let bound = std::fs::read_to_string(&log).is_ok_and(|text| text.contains("api listening"));
        let probe = http
            .get(format!("{api_url}/health"))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if bound && probe.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        if started.elapsed() > HEALTH_TIMEOUT {
            return Err(Error::StartTimeout {
                what: "api".into(),
                seconds: HEALTH_TIMEOUT.as_secs(),
                tail: spawn::tail(&log),
                log,
            });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs until a stop signal (Ok) or a child's death (Err), drawing a status line on a terminal.
async fn watch(stack: &mut Stack, stops: &mut Stops, status_line: bool) -> Result<(), Error> {
    let since = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let result = loop {
        tokio::select! {
            () = stops.next() => break Ok(()),
            _ = tick.tick() => {
                if let Some(error) = stack.exited_child() {
                    break Err(error);
                }
                if status_line {
                    draw_status(stack, since.elapsed());
                }
            }
        }
    };
    if status_line {
        let _ = write!(std::io::stdout(), "\r\x1b[2K");
    }
    result
}

fn draw_status(stack: &Stack, up: Duration) {
    let seconds = up.as_secs();
    let names: Vec<&str> = stack.running.iter().map(|c| c.name.as_str()).collect();
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "\r\x1b[2K● {} up {}:{:02}:{:02} · {} running · Ctrl-C to stop",
        stack.dir.name(),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        names.join(", ")
    );
    let _ = out.flush();
}

/// The checkout (for `.venv`, `scripts/setup-venv`, `frontend/dist`): `CODE_REMOTE_ROOT`, else the
/// nearest directory above the working directory that holds this crate, else the checkout `deploy`
/// was built from (a shared target directory may hold a build from another checkout).
/// The workspace this `deploy` belongs to: `CODE_REMOTE_ROOT`, else the nearest directory above
/// the working directory holding the workspace, else the one `deploy` was built from.
pub fn project_root() -> PathBuf {
    if let Some(root) = std::env::var_os("CODE_REMOTE_ROOT").filter(|v| !v.is_empty()) {
        return PathBuf::from(root);
    }
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors()
            .find(|dir| dir.join("deploy-cli/local/Cargo.toml").is_file())
            .map(Path::to_path_buf)
    });
    from_cwd.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_of_a_database_url() {
        assert_eq!(port_of("postgres://postgres@127.0.0.1:5433/db"), Some(5433));
        assert_eq!(port_of("not a url"), None);
    }

    #[test]
    fn a_taken_port_is_replaced_by_a_free_one() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let chosen = api_port(Some(port)).unwrap();
        assert_ne!(chosen, port);
        assert!(TcpListener::bind(("127.0.0.1", chosen)).is_ok());
    }
}
