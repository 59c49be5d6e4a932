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
                (_, Some(detail)) => format!("{} {}: {detail}", check.name, check.url),
                (Some(status), None) => format!("{} {} answered {status}", check.name, check.url),
                (None, None) => format!("{} {} failed", check.name, check.url),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One smoke probe: a URL that must answer 2xx and, when `json_field` is set, a JSON object
/// whose field (a dotted path, `checks.database`) has the given value.
#[derive(Debug, Clone)]
pub struct Probe {
    /// What is checked.
    pub name: String,
    /// The URL.
    pub url: String,
    /// A field of the JSON body and the value it must have.
    pub json_field: Option<(String, String)>,
}

/// The checks of a stack: `GET {api}/health?deep=1`, whose database check must be `ok` (a
/// release that cannot reach its database, e.g. a wrong secret or security group, must not keep
/// traffic), `GET {frontend}/`, and `GET {frontend}/config.json`, which must be JSON naming the
/// stack's API.
pub fn checks(outputs: &code_remote_pulumi::StackOutputs) -> Vec<Probe> {
    let frontend = outputs.frontend_url.trim_end_matches('/');
    vec![
        Probe {
            name: "api health".to_owned(),
            url: format!("{}/health?deep=1", outputs.api_url.trim_end_matches('/')),
            json_field: Some(("checks.database".to_owned(), "ok".to_owned())),
        },
        Probe {
            name: "frontend".to_owned(),
            url: format!("{frontend}/"),
            json_field: None,
        },
        Probe {
            name: "frontend config".to_owned(),
            url: format!("{frontend}/config.json"),
            json_field: Some((
                "apiUrl".to_owned(),
                outputs.api_url.trim_end_matches('/').to_owned(),
            )),
        },
    ]
}

/// Runs every check; a check passes on a 2xx answer (with the expected JSON field, if any).
pub async fn run(checks: &[Probe], settings: SmokeSettings) -> SmokeReport {
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .build()
        .unwrap_or_default();
    let mut results = Vec::with_capacity(checks.len());
    for probe in checks {
        let mut check = SmokeCheck {
            name: probe.name.clone(),
            url: probe.url.clone(),
            status: None,
            ok: false,
            detail: None,
        };
        for attempt in 0..settings.attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(settings.delay).await;
            }
            match client.get(&probe.url).send().await {
                Ok(response) => {
                    check.status = Some(response.status().as_u16());
                    check.detail = None;
                    check.ok = response.status().is_success();
                    if let (true, Some((field, expected))) = (check.ok, &probe.json_field) {
                        let body = response.text().await.unwrap_or_default();
                        let value = serde_json::from_str::<serde_json::Value>(&body).ok();
                        let found = value
                            .as_ref()
                            .and_then(|v| field.split('.').try_fold(v, |v, key| v.get(key)))
                            .and_then(serde_json::Value::as_str);
                        if found != Some(expected.as_str()) {
                            check.ok = false;
                            check.detail = Some(match value {
                                Some(serde_json::Value::Object(_)) => {
                                    format!("{field} is {found:?}, expected {expected:?}")
                                }
                                _ => "not a JSON object".to_owned(),
                            });
                        }
                    }
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
