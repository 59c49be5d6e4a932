//! The stack's web root: the built app from `frontend/dist`, linked entry by entry, plus this
//! stack's own `config.json` (the contract in `frontend/README.md`). The API serves the directory
//! at `/` (`FRONTEND_DIR`), so one build serves every stack side by side, each with its own config.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::Error;
use code_remote_moto::{UserPool, REGION};

/// Where the web root of a stack is, and what its `config.json` says.
#[derive(Debug, Clone)]
pub struct WebConfig<'a> {
    /// The API's base URL (same origin as the app).
    pub api_url: &'a str,
    /// The WebSocket URL.
    pub websocket_url: &'a str,
    /// The user pool the app signs in to.
    pub pool: &'a UserPool,
    /// moto's URL, the app's Cognito endpoint.
    pub aws_endpoint_url: &'a str,
}

impl WebConfig<'_> {
    /// The contents of `/config.json`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "apiUrl": self.api_url,
            "websocketUrl": self.websocket_url,
            "region": REGION,
            "userPoolId": self.pool.pool_id,
            "userPoolClientId": self.pool.client_id,
            "cognitoEndpoint": format!("{}/", self.aws_endpoint_url),
        })
    }
}

/// Builds `root` from the app in `dist` and `config`; `None` when the app has not been built.
pub fn build(dist: &Path, root: &Path, config: &WebConfig<'_>) -> Result<Option<PathBuf>, Error> {
    if !dist.join("index.html").is_file() {
        return Ok(None);
    }
    let failed = |what: String| move |e| Error::io(what, e);
    std::fs::create_dir_all(root).map_err(failed(format!("creating {}", root.display())))?;
    let entries = std::fs::read_dir(dist).map_err(failed(format!("reading {}", dist.display())))?;
    for entry in entries {
        let entry = entry.map_err(failed(format!("reading {}", dist.display())))?;
        if entry.file_name() == "config.json" {
            continue;
        }
        let link = root.join(entry.file_name());
        std::os::unix::fs::symlink(entry.path(), &link)
            .map_err(failed(format!("linking {}", link.display())))?;
    }
    let config_file = root.join("config.json");
    std::fs::write(&config_file, config.to_json().to_string())
        .map_err(failed(format!("writing {}", config_file.display())))?;
    Ok(Some(root.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> UserPool {
        UserPool {
            pool_id: "us-east-1_abc".into(),
            client_id: "client".into(),
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc".into(),
            jwks_url: "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json".into(),
        }
    }

    fn config(pool: &UserPool) -> WebConfig<'_> {
        WebConfig {
            api_url: "http://127.0.0.1:8000",
            websocket_url: "ws://127.0.0.1:8000/ws",
            pool,
            aws_endpoint_url: "http://127.0.0.1:5000",
        }
    }

    #[test]
    fn the_config_follows_the_frontend_contract() {
        let pool = pool();
        let json = config(&pool).to_json();
        assert_eq!(json["apiUrl"], "http://127.0.0.1:8000");
        assert_eq!(json["websocketUrl"], "ws://127.0.0.1:8000/ws");
        assert_eq!(json["region"], "us-east-1");
        assert_eq!(json["userPoolId"], "us-east-1_abc");
        assert_eq!(json["userPoolClientId"], "client");
        assert_eq!(json["cognitoEndpoint"], "http://127.0.0.1:5000/");
    }

    #[test]
    fn links_the_build_and_adds_this_stacks_config() {
        let base = tempfile::tempdir().unwrap();
        let dist = base.path().join("dist");
        std::fs::create_dir_all(dist.join("assets")).unwrap();
        std::fs::write(dist.join("index.html"), "<html>").unwrap();
        std::fs::write(dist.join("assets/app.js"), "js").unwrap();
        let root = base.path().join("web");
        let pool = pool();
        let built = build(&dist, &root, &config(&pool)).unwrap().unwrap();
        assert_eq!(
            std::fs::read_to_string(built.join("index.html")).unwrap(),
            "<html>"
        );
        assert_eq!(
            std::fs::read_to_string(built.join("assets/app.js")).unwrap(),
            "js"
        );
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(built.join("config.json")).unwrap())
                .unwrap();
        assert_eq!(written["userPoolId"], "us-east-1_abc");
    }

    #[test]
    fn no_build_means_no_web_root() {
        let base = tempfile::tempdir().unwrap();
        let pool = pool();
        assert!(build(base.path(), &base.path().join("web"), &config(&pool))
            .unwrap()
            .is_none());
    }
}
