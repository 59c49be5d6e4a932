//! Which isolation layers are active on this host, measured by a probe execution at
//! start-up rather than assumed, so logs and tests can say what actually protects a run.

use std::fmt;

use serde::Serialize;

use crate::files::FileLayer;

/// How the child's identity is made unprivileged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "uid")]
pub enum Identity {
    /// The sandbox runs as root and each child drops to this uid with no capabilities.
    Dropped(u32),
    /// The sandbox already runs unprivileged (as in Lambda); children keep this uid.
    Inherited(u32),
}

/// The isolation layers of docs/sandbox.md and whether each is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layers {
    /// Every execution in its own forked process (always on).
    pub process: bool,
    /// Empty environment and a private working directory (always on).
    pub environment: bool,
    /// The seccomp filter, installed with no_new_privs.
    pub seccomp: bool,
    /// CPU, address-space, file-size, open-file and process rlimits (always on).
    pub rlimits: bool,
    /// The identity children run as.
    pub identity: Identity,
    /// Network, IPC, PID and mount namespaces from bubblewrap.
    pub namespaces: bool,
    /// The Landlock ABI applied, or `None` where it is not.
    pub landlock: Option<u32>,
    /// What keeps a child to its own directory and the interpreter's files.
    pub files: FileLayer,
    /// The Python-level validator and import hook.
    pub python_layer: bool,
    /// The interpreter's version.
    pub python: String,
}

impl Layers {
    /// Names of the layers docs/sandbox.md lists that this host lacks.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.seccomp {
            missing.push("seccomp");
        }
        if !self.namespaces {
            missing.push("namespaces");
        }
        if self.landlock.is_none() {
            missing.push("landlock");
        }
        if self.files == FileLayer::None {
            missing.push("files");
        }
        if !self.python_layer {
            missing.push("python_layer");
        }
        missing
    }
}

impl fmt::Display for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = |active: bool| if active { "on" } else { "off" };
        let identity = match self.identity {
            Identity::Dropped(uid) => format!("uid {uid} (dropped from root)"),
            Identity::Inherited(uid) => format!("uid {uid} (inherited, unprivileged)"),
        };
        let landlock = self
            .landlock
            .map_or_else(|| "off".to_owned(), |abi| format!("ABI {abi}"));
        write!(
            f,
            "process=on environment=on seccomp={} rlimits=on identity={identity} namespaces={} landlock={landlock} files={} python_layer={} python={}",
            on(self.seccomp),
            if self.namespaces { "bubblewrap" } else { "off" },
            self.files,
            on(self.python_layer),
            self.python,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a Lambda-like host measures: unprivileged, no user namespaces, no Landlock.
    fn lambda_like() -> Layers {
        Layers {
            process: true,
            environment: true,
            seccomp: true,
            rlimits: true,
            identity: Identity::Inherited(65534),
            namespaces: false,
            landlock: None,
            files: FileLayer::Supervisor,
            python_layer: true,
            python: "3.11.2".into(),
        }
    }

    #[test]
    fn a_lambda_like_host_reports_what_it_lacks() {
        let layers = lambda_like();
        assert_eq!(layers.missing(), ["namespaces", "landlock"]);
        assert!(
            layers.to_string().contains(
                "identity=uid 65534 (inherited, unprivileged) namespaces=off landlock=off files=supervisor"
            ),
            "{layers}"
        );
    }

    #[test]
    fn json_names_the_identity_mode_and_nulls_a_missing_landlock() {
        let json = serde_json::to_value(lambda_like()).expect("serializable");
        assert_eq!(
            json["identity"],
            serde_json::json!({"mode": "inherited", "uid": 65534})
        );
        assert_eq!(json["namespaces"], false);
        assert!(json["landlock"].is_null());
        assert_eq!(json["files"], "supervisor");
        let unconfined = Layers {
            files: FileLayer::None,
            ..lambda_like()
        };
        assert_eq!(unconfined.missing(), ["namespaces", "landlock", "files"]);
        let dropped = Layers {
            identity: Identity::Dropped(65534),
            landlock: Some(7),
            files: FileLayer::Landlock,
            ..lambda_like()
        };
        let json = serde_json::to_value(dropped).expect("serializable");
        assert_eq!(
            json["identity"],
            serde_json::json!({"mode": "dropped", "uid": 65534})
        );
        assert_eq!(json["landlock"], 7);
    }
}
