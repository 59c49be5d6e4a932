//! `deploy build` for real: cargo-lambda cross-compiles a two-binary fixture crate for arm64 (not
//! the workspace: CI has a time budget), twice; the manifests must be identical and match the
//! files. Skipped, saying so, when cargo-lambda is not installed (`pip install cargo-lambda`).

use std::path::{Path, PathBuf};
use std::process::Command;

use code_remote_release::{
    build, BuildRequest, BuildTools, FrontendBuild, Manifest, ModelLayer, ReleaseVersion,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn two_builds_of_the_same_source_give_the_same_manifest() {
    let venv = repo().join(".venv/bin");
    let cargo_lambda = std::env::var_os("CARGO_LAMBDA")
        .map(PathBuf::from)
        .unwrap_or_else(|| venv.join("cargo-lambda"));
    if !cargo_lambda.is_file() {
        println!("SKIPPED: cargo-lambda not installed (.venv/bin/pip install cargo-lambda)");
        return;
    }
    std::env::set_var("CARGO_LAMBDA", &cargo_lambda);
    // cargo-lambda finds zig through the venv's python (the ziglang wheel).
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::set_var("PATH", format!("{}:{path}", venv.display()));
    let shared = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("target"));
    std::env::set_var("CARGO_TARGET_DIR", shared.join("lambda-fixture"));

    let work = tempfile::tempdir().unwrap();
    let fixture = repo().join("deploy-cli/tests/data/lambda-fixture");
    std::fs::create_dir_all(work.path().join("src/bin")).unwrap();
    for file in ["Cargo.toml", "src/bin/api.rs", "src/bin/migrate.rs"] {
        std::fs::copy(fixture.join(file), work.path().join(file)).unwrap();
    }
    // The offline embedding model as `scripts/setup-model` leaves it (stand-in bytes: the
    // build packs files, it does not read them).
    let model = work.path().join(".models/all-MiniLM-L6-v2");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("model.safetensors"), vec![1u8; 4096]).unwrap();
    std::fs::write(model.join("tokenizer.json"), b"{\"model\": {}}").unwrap();
    git(work.path(), &["init", "-q"]);
    git(work.path(), &["add", "."]);
    git(work.path(), &["commit", "-qm", "fixture"]);

    let version = ReleaseVersion::parse("v0.0.1").unwrap();
    let request = BuildRequest {
        workspace: work.path().to_owned(),
        version: Some(version.clone()),
        functions: code_remote_pulumi::function_ids()
            .iter()
            .map(|f| (*f).to_owned())
            .collect(),
        frontend: true,
    };
    let first = build(&request, &BuildTools::default(), |_| {}).unwrap();
    assert_eq!(first.built, ["api", "migrate"]);
    assert_eq!(first.missing, ["ws", "worker", "sync-worker"]);
    assert_eq!(first.frontend, FrontendBuild::Absent);
    assert_eq!(first.model, ModelLayer::Built);
    let dir = work.path().join("target/release-artifacts/v0.0.1");
    assert_eq!(first.dir, dir);
    let on_disk = Manifest::read(&dir).unwrap();
    assert_eq!(on_disk, first.manifest);
    on_disk.verify(&dir).unwrap();
    assert_eq!(
        on_disk.lambdas().keys().collect::<Vec<_>>(),
        ["api", "migrate"],
        "the model layer is not a function"
    );
    assert!(on_disk
        .artifacts
        .iter()
        .any(|a| a.name == "layers/embedding-model.zip"));
    let layer = Command::new("unzip")
        .arg("-Z1")
        .arg(dir.join("layers/embedding-model.zip"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&layer.stdout),
        "all-MiniLM-L6-v2/model.safetensors\nall-MiniLM-L6-v2/tokenizer.json\n"
    );
    assert!(
        on_disk.commit.len() >= 40 && !on_disk.commit.ends_with("-dirty"),
        "{}",
        on_disk.commit
    );

    // Force a relink: the binaries get new modification times, the zips must not change.
    for file in ["src/bin/api.rs", "src/bin/migrate.rs"] {
        let text = std::fs::read_to_string(work.path().join(file)).unwrap();
        std::fs::write(work.path().join(file), text).unwrap();
    }
    let second = build(&request, &BuildTools::default(), |_| {}).unwrap();
    assert_eq!(second.manifest, first.manifest);
    let unzip = Command::new("unzip")
        .arg("-Z")
        .arg(dir.join("api.zip"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&unzip.stdout).contains("-rwxr-xr-x"));
}
