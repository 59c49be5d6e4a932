//! `deploy build`: every Lambda the workspace defines, built once by cargo-lambda for arm64 and
//! packed as a reproducible zip (see `zip.rs`), the offline embedding model as a layer, the
//! frontend bundle, and the manifest, under `target/release-artifacts/<version>/` (the
//! path the infra program uploads to the artifacts bucket with `fn::fileAsset`).

use std::path::{Path, PathBuf};

use code_remote_config::contract::{embedding_model, lambda_python};
use code_remote_pulumi::{function_ids, Tool};
use serde::{Deserialize, Serialize};

use crate::error::ReleaseError;
use crate::manifest::Manifest;
use crate::names::ReleaseVersion;
use crate::zip::{write_bootstrap_zip, write_data_zip};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The workspace root (holds `Cargo.toml`, `frontend/`, `target/`).
    pub workspace: PathBuf,
    /// The version; `dev-<commit>` when not given.
    pub version: Option<ReleaseVersion>,
    /// The functions to build; binaries of these names are looked up in the workspace.
    pub functions: Vec<String>,
    /// Whether to build the frontend when `frontend/package.json` exists.
    pub frontend: bool,
}

impl BuildRequest {
    /// Every Lambda and the frontend.
    pub fn all(workspace: PathBuf, version: Option<ReleaseVersion>) -> Self {
        Self {
            workspace,
            version,
            functions: function_ids()
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            frontend: true,
        }
    }
}

/// What the frontend step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrontendBuild {
    /// Built and copied under `frontend/`.
    Built,
    /// No `frontend/package.json` in the workspace.
    Absent,
    /// Not requested.
    Skipped,
}

/// What the embedding-model step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelLayer {
    /// Packed as `layers/embedding-model.zip`, for stacks whose `embedder` is `minilm`.
    Built,
    /// `scripts/setup-model` has not installed the model in the workspace: stacks whose
    /// `embedder` is `minilm` cannot deploy this release.
    Absent,
}

/// The outcome of a build.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The release directory.
    pub dir: PathBuf,
    /// The manifest written there.
    pub manifest: Manifest,
    /// Functions built.
    pub built: Vec<String>,
    /// Functions asked for that have no binary target in the workspace yet.
    pub missing: Vec<String>,
    /// The frontend step.
    pub frontend: FrontendBuild,
    /// The embedding-model layer step.
    pub model: ModelLayer,
}

/// The tools a build runs, overridable for tests (`CARGO`, `CARGO_LAMBDA`, `NPM`, `GIT`).
#[derive(Debug, Clone)]
pub struct BuildTools {
    cargo: Tool,
    cargo_lambda: Tool,
    npm: Tool,
    git: Tool,
}

impl Default for BuildTools {
    fn default() -> Self {
        Self {
            cargo: Tool::new("cargo", "CARGO", "install Rust with rustup: https://rustup.rs"),
            cargo_lambda: Tool::new(
                "cargo-lambda",
                "CARGO_LAMBDA",
                "pip install cargo-lambda (it ships zig) and rustup target add aarch64-unknown-linux-gnu",
            )
            .with_prefix(&["cargo-lambda", "lambda"]),
            npm: Tool::new("npm", "NPM", "install Node.js 20+ (it includes npm): https://nodejs.org"),
            git: Tool::new("git", "GIT", "install git"),
        }
    }
}

impl BuildTools {
    /// Fails with one line when cargo-lambda is missing, before anything is built.
    pub fn check(&self) -> Result<(), ReleaseError> {
        self.cargo.locate()?;
        self.cargo_lambda.locate()?;
        Ok(())
    }
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// Builds a release: Lambdas, frontend, manifest. `on_step` hears about each long step.
pub fn build(
    request: &BuildRequest,
    tools: &BuildTools,
    mut on_step: impl FnMut(&str),
) -> Result<BuildReport, ReleaseError> {
    tools.check()?;
    let root = &request.workspace;
    let commit = commit(&tools.git, root)?;
    let version = match &request.version {
        Some(version) => version.clone(),
        None => ReleaseVersion::parse(&format!("dev-{}", commit.get(..12).unwrap_or(&commit)))?,
    };
    let metadata = tools.cargo.run(
        &["metadata", "--no-deps", "--format-version", "1"],
        root,
        &[],
    )?;
    let metadata: Metadata =
        serde_json::from_str(&metadata).map_err(|source| ReleaseError::Unreadable {
            what: "cargo metadata".to_owned(),
            source,
        })?;
    let binaries: Vec<&str> = metadata
        .packages
        .iter()
        .flat_map(|package| &package.targets)
        .filter(|target| target.kind.iter().any(|kind| kind == "bin"))
        .map(|target| target.name.as_str())
        .collect();
    let (built, missing): (Vec<String>, Vec<String>) = request
        .functions
        .iter()
        .cloned()
        .partition(|function| binaries.contains(&function.as_str()));
    if built.is_empty() {
        return Err(ReleaseError::NothingToBuild(request.functions.join(", ")));
    }

    let dir = root.join("target/release-artifacts").join(version.as_str());
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(ReleaseError::io(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(ReleaseError::io(&dir))?;

    on_step(&format!(
        "cargo lambda build --release --arm64 ({})",
        built.join(", ")
    ));
    let mut args = vec!["build", "--release", "--arm64", "--output-format", "binary"];
    for function in &built {
        args.extend(["--bin", function.as_str()]);
    }
    tools.cargo_lambda.run(&args, root, &[])?;
    for function in &built {
        let binary = metadata
            .target_directory
            .join("lambda")
            .join(function)
            .join("bootstrap");
        // The functions on the managed Python runtime start through the exec wrapper.
        let python = code_remote_config::Function::from_id(function)
            .is_some_and(code_remote_config::Function::runs_python);
        let wrapper: &[(&str, &[u8])] = &[(
            lambda_python::WRAPPER_FILE,
            lambda_python::WRAPPER_SCRIPT.as_bytes(),
        )];
        let extra = if python { wrapper } else { &[] };
        write_bootstrap_zip(&binary, extra, &dir.join(format!("{function}.zip")))?;
    }

    let frontend = if !request.frontend {
        FrontendBuild::Skipped
    } else if root.join("frontend/package.json").is_file() {
        on_step("npm run build (frontend)");
        build_frontend(&tools.npm, &root.join("frontend"), &dir.join("frontend"))?;
        FrontendBuild::Built
    } else {
        FrontendBuild::Absent
    };

    let model = model_layer(root, &dir, &mut on_step)?;

    let manifest = Manifest::scan(&dir, version, commit)?;
    manifest.write(&dir)?;
    Ok(BuildReport {
        dir,
        manifest,
        built,
        missing,
        frontend,
        model,
    })
}

/// Packs the offline embedding model `scripts/setup-model` installed into a Lambda layer
/// (docs/search.md); every release carries it, so any stack may choose `embedder: minilm`.
fn model_layer(
    root: &Path,
    dir: &Path,
    on_step: &mut impl FnMut(&str),
) -> Result<ModelLayer, ReleaseError> {
    let checkout = root.join(embedding_model::CHECKOUT_DIR);
    if !embedding_model::FILES
        .iter()
        .all(|file| checkout.join(file).is_file())
    {
        return Ok(ModelLayer::Absent);
    }
    on_step("embedding model layer");
    let zip = dir.join(embedding_model::LAYER_ARTIFACT);
    if let Some(parent) = zip.parent() {
        std::fs::create_dir_all(parent).map_err(ReleaseError::io(parent))?;
    }
    write_data_zip(
        &checkout,
        &embedding_model::FILES,
        embedding_model::LAYER_DIR,
        &zip,
    )?;
    Ok(ModelLayer::Built)
}

fn commit(git: &Tool, root: &Path) -> Result<String, ReleaseError> {
    let head = git
        .run(&["rev-parse", "HEAD"], root, &[])?
        .trim()
        .to_owned();
    let dirty = !git
        .run(
            &["status", "--porcelain", "--untracked-files=no"],
            root,
            &[],
        )?
        .trim()
        .is_empty();
    Ok(if dirty { format!("{head}-dirty") } else { head })
}

fn build_frontend(npm: &Tool, frontend: &Path, target: &Path) -> Result<(), ReleaseError> {
    if !frontend.join("node_modules").is_dir() {
        npm.run(&["ci", "--no-audit", "--no-fund"], frontend, &[])?;
    }
    npm.run(&["run", "build"], frontend, &[])?;
    copy_tree(&frontend.join("dist"), target)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), ReleaseError> {
    std::fs::create_dir_all(to).map_err(ReleaseError::io(to))?;
    for entry in std::fs::read_dir(from).map_err(ReleaseError::io(from))? {
        let entry = entry.map_err(ReleaseError::io(from))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(ReleaseError::io(&path))?.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(ReleaseError::io(&path))?;
        }
    }
    Ok(())
}
