//! Neo4j backend. Neo4j cannot change schema inside a data transaction, so each revision is
//! recorded as a `__Migration` node marked unfinished *before* it runs and flipped to finished
//! after: a half-applied revision stays visible (and `repair` clears it). Schema statements
//! (constraints, indexes) run one by one in their own transactions; each run of consecutive data
//! statements runs in one transaction. The lock is a `__MigrationLock` node with owner,
//! acquired-at and expiry, so a crashed run's lock is reclaimed once it expires.
//!
//! Files may use the placeholder `{{embedding_dimension}}`, replaced from [`Neo4jSettings`]
//! (checksums are over the file as written, so changing the setting is not an edit).
//!
//! Vector and full-text index creation exist only in Neo4j. On another Bolt server (ArcadeDB, the
//! one tests run against here) those statements are skipped behind one capability check
//! ([`Capabilities`]) and reported ([`Neo4jBackend::skipped`]), never silently; the search backend
//! then ranks without those indexes (docs/search.md).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use code_remote_config::Neo4jCredentials;
use neo4rs::{query, ConfigBuilder, Graph};
use secrecy::ExposeSecret;

use crate::{AppliedRevision, Backend, Direction, Error, Revision, RevisionId};

/// The embedding dimension used when a stack does not set one.
pub const DEFAULT_EMBEDDING_DIMENSION: u32 = 768;

/// How long a lock stays valid without being released.
const LOCK_TTL: Duration = Duration::from_secs(15 * 60);

/// Values substituted into the Cypher files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neo4jSettings {
    embedding_dimension: u32,
}

impl Default for Neo4jSettings {
    fn default() -> Self {
        Self {
            embedding_dimension: DEFAULT_EMBEDDING_DIMENSION,
        }
    }
}

impl Neo4jSettings {
    /// Settings with the stack's embedding dimension (1 to 4096, Neo4j's limits).
    pub fn with_embedding_dimension(dimension: u32) -> Result<Self, Error> {
        if !(1..=4096).contains(&dimension) {
            return Err(Error::BadTarget {
                target: dimension.to_string(),
                reason: "the embedding dimension must be between 1 and 4096".into(),
            });
        }
        Ok(Self {
            embedding_dimension: dimension,
        })
    }

    fn substitute(&self, statement: &str) -> String {
        statement.replace(
            "{{embedding_dimension}}",
            &self.embedding_dimension.to_string(),
        )
    }
}

/// Which of the statements only Neo4j has this server runs, found once at connect by trying each
/// in a transaction that is rolled back (Neo4j runs schema commands in explicit transactions, so
/// nothing is left behind; a server without the index type refuses it, and says why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// `CREATE VECTOR INDEX`: `Err` holds the server's refusal.
    pub vector_index: Result<(), String>,
    /// `CREATE FULLTEXT INDEX`: `Err` holds the server's refusal.
    pub fulltext_index: Result<(), String>,
}

impl Capabilities {
    /// Whether the server runs `statement` (always, unless it is one only Neo4j has).
    pub fn runs(&self, statement: &str) -> Result<(), String> {
        match needs_neo4j(statement) {
            Some(NeoOnly::VectorIndex) => self.vector_index.clone(),
            Some(NeoOnly::FulltextIndex) => self.fulltext_index.clone(),
            None => Ok(()),
        }
    }

    /// Every capability present (Neo4j).
    pub fn is_full(&self) -> bool {
        self.vector_index.is_ok() && self.fulltext_index.is_ok()
    }
}

/// A kind of statement only Neo4j has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeoOnly {
    /// `CREATE VECTOR INDEX`.
    VectorIndex,
    /// `CREATE FULLTEXT INDEX`.
    FulltextIndex,
}

/// Which Neo4j-only kind `statement` is, if any: vector and full-text index creation.
pub fn needs_neo4j(statement: &str) -> Option<NeoOnly> {
    let words: Vec<String> = statement
        .split_whitespace()
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    if words.first().map(String::as_str) != Some("CREATE")
        || words.get(2).map(String::as_str) != Some("INDEX")
    {
        return None;
    }
    match words.get(1).map(String::as_str) {
        Some("VECTOR") => Some(NeoOnly::VectorIndex),
        Some("FULLTEXT") => Some(NeoOnly::FulltextIndex),
        _ => None,
    }
}

/// Probes for [`Capabilities`]: each statement in a transaction rolled back.
async fn capabilities(graph: &Graph) -> Capabilities {
    // Only a refusal of the statement itself (a syntax error: the server does not know the
    // index type) means the server lacks it. Any other failure (unavailable, forbidden, a
    // timeout) leaves the real statement to run and fail loudly rather than be skipped.
    let probe = |statement: &'static str| async move {
        let outcome = async {
            let mut txn = graph.start_txn().await?;
            let outcome = txn.run(query(statement)).await;
            txn.rollback().await.ok();
            outcome
        }
        .await;
        match outcome {
            Err(err)
                if err
                    .to_string()
                    .contains("Neo.ClientError.Statement.SyntaxError") =>
            {
                Err(err.to_string())
            }
            Err(err) => {
                tracing::warn!(error = %err, "capability probe failed; the statement will run");
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    };
    Capabilities {
        vector_index: probe(
            "CREATE VECTOR INDEX __capability_probe_vector IF NOT EXISTS \
             FOR (p:__CapabilityProbe) ON (p.embedding) \
             OPTIONS {indexConfig: {`vector.dimensions`: 2, `vector.similarity_function`: 'cosine'}}",
        )
        .await,
        fulltext_index: probe(
            "CREATE FULLTEXT INDEX __capability_probe_text IF NOT EXISTS \
             FOR (p:__CapabilityProbe) ON EACH [p.text]",
        )
        .await,
    }
}

/// A statement not run because the server lacks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The revision file.
    pub file: String,
    /// The statement's first line.
    pub statement: String,
    /// Why the server cannot run it (its refusal of the capability probe).
    pub refusal: String,
}

/// Whether a statement changes schema (constraints, indexes) rather than data.
pub fn is_schema_statement(statement: &str) -> bool {
    let words: Vec<String> = statement
        .split_whitespace()
        .take(4)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    matches!(words.first().map(String::as_str), Some("CREATE" | "DROP"))
        && words[1..].iter().any(|w| w == "CONSTRAINT" || w == "INDEX")
}

/// A group of statements run together: each schema statement alone, consecutive data statements
/// in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// One schema statement, in its own transaction.
    Schema(String),
    /// Data statements sharing one transaction.
    Data(Vec<String>),
}

/// Split statements into the batches [`Neo4jBackend`] runs, placeholders substituted.
pub fn batches(statements: &[String], settings: &Neo4jSettings) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for statement in statements.iter().map(|s| settings.substitute(s)) {
        if is_schema_statement(&statement) {
            out.push(Batch::Schema(statement));
        } else if let Some(Batch::Data(group)) = out.last_mut() {
            group.push(statement);
        } else {
            out.push(Batch::Data(vec![statement]));
        }
    }
    out
}

/// The script [`Neo4jBackend`] runs for one step, with its transaction boundaries.
pub fn render(revision: &Revision, direction: Direction, settings: &Neo4jSettings) -> String {
    let (verb, statements) = match direction {
        Direction::Up => ("upgrade", revision.up.as_slice()),
        Direction::Down => ("downgrade", revision.down.as_deref().unwrap_or_default()),
    };
    let mut out = format!(
        "// {verb} {}: {} ({})\n",
        revision.id, revision.description, revision.file
    );
    let id = revision.id.as_str();
    out.push_str(&match direction {
        Direction::Up => format!(
            "MERGE (m:__Migration {{revision: '{id}'}}) SET m.finished = false, m.checksum = '{}';\n",
            revision.checksum
        ),
        Direction::Down => format!("MATCH (m:__Migration {{revision: '{id}'}}) SET m.finished = false;\n"),
    });
    for batch in batches(statements, settings) {
        match batch {
            Batch::Schema(s) => out.push_str(&format!("// schema transaction\n{s};\n")),
            Batch::Data(group) => {
                out.push_str("// data transaction\n");
                for s in group {
                    out.push_str(&format!("{s};\n"));
                }
            }
        }
    }
    out.push_str(&match direction {
        Direction::Up => {
            format!("MATCH (m:__Migration {{revision: '{id}'}}) SET m.finished = true;\n")
        }
        Direction::Down => format!("MATCH (m:__Migration {{revision: '{id}'}}) DELETE m;\n"),
    });
    out
}

const STORE: &[&str] = &[
    "CREATE CONSTRAINT migration_revision IF NOT EXISTS FOR (m:__Migration) REQUIRE m.revision IS UNIQUE",
    "CREATE CONSTRAINT migration_lock_name IF NOT EXISTS FOR (l:__MigrationLock) REQUIRE l.name IS UNIQUE",
];

/// Migrates one Neo4j database.
pub struct Neo4jBackend {
    graph: Graph,
    settings: Neo4jSettings,
    owner: String,
    capabilities: Capabilities,
    skipped: Mutex<Vec<Skipped>>,
}

impl Neo4jBackend {
    /// Connects to the server (and database) `credentials` name.
    pub async fn connect(
        credentials: &Neo4jCredentials,
        settings: Neo4jSettings,
    ) -> Result<Self, Error> {
        let uri = &credentials.uri;
        let mut config = ConfigBuilder::default()
            .uri(uri.as_str())
            .user(credentials.user.as_str())
            .password(credentials.password.expose_secret());
        if let Some(database) = &credentials.database {
            config = config.db(database.as_str());
        }
        let graph = match config.build() {
            Ok(config) => Graph::connect(config).await,
            Err(err) => Err(err),
        }
        .map_err(Error::database(format!("connecting to Neo4j at {uri}")))?;
        let capabilities = capabilities(&graph).await;
        if !capabilities.is_full() {
            tracing::warn!(
                ?capabilities,
                "statements this server lacks will be skipped"
            );
        }
        Ok(Self {
            graph,
            settings,
            owner: format!("code-remote-migrate-{}", uuid::Uuid::new_v4()),
            capabilities,
            skipped: Mutex::new(Vec::new()),
        })
    }

    /// What the server runs of the statements only Neo4j has.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The statements skipped so far because the server is not Neo4j.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.skipped
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }

    /// The graph handle, for inspection in tests and tools.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    async fn run_batches(&self, revision: &Revision, statements: &[String]) -> Result<(), Error> {
        let mut index = 0;
        let failed = |index: usize, statement: &str, e: neo4rs::Error| Error::MigrationFailed {
            file: revision.file.clone(),
            index,
            statement: statement.to_string(),
            source: Box::new(e),
        };
        for batch in batches(statements, &self.settings) {
            match batch {
                Batch::Schema(statement) => {
                    index += 1;
                    if let Err(refusal) = self.capabilities.runs(&statement) {
                        let first = statement.lines().next().unwrap_or_default().to_owned();
                        tracing::warn!(file = %revision.file, statement = %first, server = %refusal,
                            "skipped: the server lacks this statement, which only Neo4j has");
                        if let Ok(mut list) = self.skipped.lock() {
                            list.push(Skipped {
                                file: revision.file.clone(),
                                statement: first,
                                refusal,
                            });
                        }
                        continue;
                    }
                    self.graph
                        .run(query(&statement))
                        .await
                        .map_err(|e| failed(index, &statement, e))?;
                }
                Batch::Data(group) => {
                    let mut txn = self
                        .graph
                        .start_txn()
                        .await
                        .map_err(Error::database("BEGIN"))?;
                    for statement in group {
                        index += 1;
                        if let Err(e) = txn.run(query(&statement)).await {
                            txn.rollback().await.ok();
                            return Err(failed(index, &statement, e));
                        }
                    }
                    txn.commit().await.map_err(Error::database("COMMIT"))?;
                }
            }
        }
        Ok(())
    }

    async fn write(&self, cypher: &str, revision: &Revision, action: &str) -> Result<(), Error> {
        let q = query(cypher)
            .param("revision", revision.id.as_str())
            .param("description", revision.description.as_str())
            .param("file", revision.file.as_str())
            .param("checksum", revision.checksum.as_str());
        self.graph
            .run(q)
            .await
            .map_err(Error::database(format!("{action} {}", revision.id)))
    }

    async fn lock_holder(&self) -> String {
        let q = query(
            "MATCH (l:__MigrationLock {name: 'code-remote'}) \
             RETURN l.owner AS owner, toString(l.acquired_at) AS at, toString(l.expires_at) AS until",
        );
        let row = match self.graph.execute(q).await {
            Ok(mut rows) => rows.next().await.ok().flatten(),
            Err(_) => None,
        };
        match row {
            Some(row) => format!(
                "held by {} since {}, expires {}",
                row.get::<String>("owner").unwrap_or_default(),
                row.get::<String>("at").unwrap_or_default(),
                row.get::<String>("until").unwrap_or_default()
            ),
            None => "holder already gone".into(),
        }
    }
}

impl Backend for Neo4jBackend {
    async fn ensure_store(&mut self) -> Result<(), Error> {
        for statement in STORE {
            self.graph
                .run(query(statement))
                .await
                .map_err(Error::database("creating the __Migration constraints"))?;
        }
        Ok(())
    }

    async fn lock(&mut self, wait: Duration) -> Result<(), Error> {
        self.ensure_store().await?;
        let started = Instant::now();
        loop {
            let q = query(
                "MERGE (l:__MigrationLock {name: 'code-remote'}) \
                 WITH l WHERE l.owner IS NULL OR l.owner = $owner OR l.expires_at < datetime() \
                 SET l.owner = $owner, l.acquired_at = datetime(), \
                     l.expires_at = datetime() + duration({seconds: $ttl}) \
                 RETURN l.owner AS owner",
            )
            .param("owner", self.owner.as_str())
            .param("ttl", LOCK_TTL.as_secs() as i64);
            // A concurrent MERGE may hit the unique constraint: that is just "not acquired yet".
            if let Ok(mut rows) = self.graph.execute(q).await {
                if let Ok(Some(_)) = rows.next().await {
                    return Ok(());
                }
            }
            if started.elapsed() >= wait {
                return Err(Error::LockTimeout {
                    holder: self.lock_holder().await,
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        let q = query("MATCH (l:__MigrationLock {name: 'code-remote', owner: $owner}) DELETE l")
            .param("owner", self.owner.as_str());
        self.graph
            .run(q)
            .await
            .map_err(Error::database("releasing the migration lock"))
    }

    async fn applied(&mut self) -> Result<Vec<AppliedRevision>, Error> {
        let q = query(
            "MATCH (m:__Migration) RETURN m.revision AS revision, m.checksum AS checksum, \
             m.file AS file, toString(m.applied_at) AS applied_at, coalesce(m.stamped, false) AS stamped, \
             coalesce(m.finished, false) AS finished ORDER BY m.applied_at, m.revision",
        );
        let reading = || Error::database("reading __Migration nodes");
        let mut rows = self.graph.execute(q).await.map_err(reading())?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().await.map_err(reading())? {
            let text = |key: &str| row.get::<String>(key).unwrap_or_default();
            let id = text("revision");
            out.push(AppliedRevision {
                id: RevisionId::parse(&id)
                    .map_err(|_| Error::UnknownAppliedRevision(id.clone()))?,
                checksum: text("checksum"),
                file: text("file"),
                applied_at: text("applied_at"),
                stamped: row.get::<bool>("stamped").unwrap_or(false),
                finished: row.get::<bool>("finished").unwrap_or(false),
            });
        }
        Ok(out)
    }

    async fn apply(&mut self, revision: &Revision) -> Result<(), Error> {
        self.write(
            "MERGE (m:__Migration {revision: $revision}) SET m.description = $description, \
             m.file = $file, m.checksum = $checksum, m.stamped = false, m.finished = false, \
             m.applied_at = datetime()",
            revision,
            "recording the start of",
        )
        .await?;
        self.run_batches(revision, &revision.up).await?;
        self.write(
            "MATCH (m:__Migration {revision: $revision}) SET m.finished = true",
            revision,
            "recording the end of",
        )
        .await
    }

    async fn revert(&mut self, revision: &Revision) -> Result<(), Error> {
        self.write(
            "MATCH (m:__Migration {revision: $revision}) SET m.finished = false",
            revision,
            "recording the start of reverting",
        )
        .await?;
        let down = revision.down.clone().unwrap_or_default();
        self.run_batches(revision, &down).await?;
        self.write(
            "MATCH (m:__Migration {revision: $revision}) DELETE m",
            revision,
            "forgetting",
        )
        .await
    }

    async fn record(&mut self, revision: &Revision) -> Result<(), Error> {
        self.write(
            "MERGE (m:__Migration {revision: $revision}) SET m.description = $description, \
             m.file = $file, m.checksum = $checksum, m.stamped = true, m.finished = true, \
             m.applied_at = datetime()",
            revision,
            "stamping",
        )
        .await
    }

    async fn forget(&mut self, id: &RevisionId) -> Result<(), Error> {
        let q = query("MATCH (m:__Migration {revision: $revision}) DELETE m")
            .param("revision", id.as_str());
        self.graph
            .run(q)
            .await
            .map_err(Error::database(format!("forgetting {id}")))
    }

    async fn set_checksum(&mut self, id: &RevisionId, checksum: &str) -> Result<(), Error> {
        let q = query("MATCH (m:__Migration {revision: $revision}) SET m.checksum = $checksum")
            .param("revision", id.as_str())
            .param("checksum", checksum);
        self.graph
            .run(q)
            .await
            .map_err(Error::database(format!("repairing the checksum of {id}")))
    }

    fn render_store(&self) -> String {
        STORE.iter().map(|s| format!("{s};\n")).collect()
    }

    fn render(&self, revision: &Revision, direction: Direction) -> String {
        render(revision, direction, &self.settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_vector_and_full_text_index_creation_needs_neo4j() {
        for statement in [
            "CREATE VECTOR INDEX snippet_embedding IF NOT EXISTS FOR (s:Snippet) ON (s.embedding)",
            "create fulltext index snippet_text FOR (s:Snippet) ON EACH [s.title]",
        ] {
            assert!(needs_neo4j(statement).is_some(), "{statement}");
        }
        for statement in [
            "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
            "CREATE INDEX x FOR (s:Snippet) ON (s.title)",
            "DROP INDEX snippet_text IF EXISTS",
            "MERGE (l:Language {name: 'python'})",
        ] {
            assert_eq!(needs_neo4j(statement), None, "{statement}");
        }
    }
}
