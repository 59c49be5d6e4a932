//! Smoke tests after the aliases move: the API's open health endpoint and the frontend page,
//! over real HTTPS, a few attempts each (CloudFront and new Lambda versions take a moment).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct SmokeSettings {
    /// Attempts per check.
    pub attempts: u32,
    /// Pause between attempts.
    pub delay: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for SmokeSettings {
    fn default() -> Self {
        Self {
            attempts: 5,
            delay: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmokeCheck {
    /// What was checked (`api health`).
    pub name: String,
    /// The URL.
    pub url: String,
    /// The last HTTP status seen, if any answer came.
    pub status: Option<u16>,
    /// Whether it passed.
    pub ok: bool,
    /// The error, when no answer came.
    pub detail: Option<String>,
}

/// All checks of one smoke run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmokeReport {
    /// Whether every check passed.
    pub passed: bool,
    /// The checks.
    pub checks: Vec<SmokeCheck>,
}

impl SmokeReport {
    /// The failed checks, one phrase each.
    pub fn failures(&self) -> String {
        self.checks
            .iter()
            .filter(|check| !check.ok)
            .map(|check| match (check.status, &check.detail) {
                (Some(status), _) => format!("{} {} answered {status}", check.name, check.url),
                (None, Some(detail)) => format!("{} {}: {detail}", check.name, check.url),
                (None, None) => format!("{} {} failed", check.name, check.url),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The checks of a stack: `GET {api}/health` and `GET {frontend}/`.
pub fn checks(api_url: &str, frontend_url: &str) -> Vec<(String, String)> {
    vec![
        (
            "api health".to_owned(),
            format!("{}/health", api_url.trim_end_matches('/')),
        ),
        (
            "frontend".to_owned(),
            format!("{}/", frontend_url.trim_end_matches('/')),
        ),
    ]
}

/// Runs every check; a check passes on any 2xx answer.
pub async fn run(checks: &[(String, String)], settings: SmokeSettings) -> SmokeReport {
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .build()
        .unwrap_or_default();
    let mut results = Vec::with_capacity(checks.len());
    for (name, url) in checks {
        let mut check = SmokeCheck {
            name: name.clone(),
            url: url.clone(),
            status: None,
            ok: false,
            detail: None,
        };
        for attempt in 0..settings.attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(settings.delay).await;
            }
            match client.get(url).send().await {
                Ok(response) => {
                    check.status = Some(response.status().as_u16());
                    check.detail = None;
                    check.ok = response.status().is_success();
                }
                Err(err) => check.detail = Some(err.to_string()),
            }
            if check.ok {
                break;
            }
        }
        results.push(check);
    }
    SmokeReport {
        passed: results.iter().all(|check| check.ok),
        checks: results,
    }
}
