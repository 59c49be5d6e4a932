//! A small Gemini REST client: `generateContent`, `streamGenerateContent` (server-sent events),
//! `embedContent` and `batchEmbedContents`, with timeouts and retries with exponential backoff on
//! 429 and 5xx. The key travels in the `x-goog-api-key` header, so it is never part of a URL, an
//! error message or a log line.

use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::error::AnalysisError;

/// Where and how to reach Gemini. Built once from configuration.
#[derive(Clone, Debug)]
pub struct GeminiConfig {
    /// The API key (from Secrets Manager in AWS, the environment locally).
    pub api_key: SecretString,
    /// REST base, e.g. `https://generativelanguage.googleapis.com/v1beta`; tests point it at a local server.
    pub base_url: String,
    /// Analysis model, `gemini-2.5-flash` by default.
    pub model: String,
    /// Embedding model, `gemini-embedding-001` by default.
    pub embedding_model: String,
    /// Sampling temperature.
    pub temperature: f32,
    /// Upper bound on generated tokens.
    pub max_output_tokens: u32,
    /// Thinking budget in tokens (`0` disables thinking on 2.5 Flash); `None` leaves the model default.
    pub thinking_budget: Option<i32>,
    /// Per-request timeout (for streams: until the response headers arrive).
    pub timeout: Duration,
    /// Retries after the first attempt on 429, 5xx, timeouts and connection errors.
    pub max_retries: u32,
    /// First backoff; doubled per retry, a `Retry-After` header wins when present.
    pub initial_backoff: Duration,
    /// `outputDimensionality` of embeddings (the stack's embedding dimension).
    pub embedding_dimension: usize,
}

impl GeminiConfig {
    /// Defaults for a key (docs/analysis.md): `gemini-2.5-flash`, `gemini-embedding-001` at 768.
    pub fn new(api_key: SecretString) -> Self {
        GeminiConfig {
            api_key,
            base_url: "https://generativelanguage.googleapis.com/v1beta".to_string(),
            model: "gemini-2.5-flash".to_string(),
            embedding_model: "gemini-embedding-001".to_string(),
            temperature: 0.2,
            max_output_tokens: 4096,
            thinking_budget: Some(0),
            timeout: Duration::from_secs(60),
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            embedding_dimension: 768,
        }
    }
}

/// The retrieval side an embedding is for; Gemini embeds documents and queries differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskType {
    /// A stored snippet.
    Document,
    /// A search query.
    Query,
}

impl TaskType {
    fn as_str(self) -> &'static str {
        match self {
            TaskType::Document => "RETRIEVAL_DOCUMENT",
            TaskType::Query => "RETRIEVAL_QUERY",
        }
    }
}

/// The client. Cheap to clone (the HTTP pool is shared).
#[derive(Clone, Debug)]
pub struct GeminiClient {
    http: reqwest::Client,
    cfg: GeminiConfig,
}

impl GeminiClient {
    /// Builds the HTTP client (rustls).
    pub fn new(cfg: GeminiConfig) -> Result<Self, AnalysisError> {
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| AnalysisError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(GeminiClient { http, cfg })
    }

    /// The configuration in use (the key stays secret in its `Debug`).
    pub fn config(&self) -> &GeminiConfig {
        &self.cfg
    }

    fn url(&self, model: &str, method: &str) -> String {
        format!(
            "{}/models/{}:{}",
            self.cfg.base_url.trim_end_matches('/'),
            model,
            method
        )
    }

    fn generate_body(&self, system: &str, prompt: &str) -> Value {
        let mut generation = json!({
            "temperature": self.cfg.temperature,
            "maxOutputTokens": self.cfg.max_output_tokens,
        });
        if let Some(b) = self.cfg.thinking_budget {
            generation["thinkingConfig"] = json!({ "thinkingBudget": b });
        }
        json!({
            "systemInstruction": { "parts": [{ "text": system }] },
            "contents": [{ "role": "user", "parts": [{ "text": prompt }] }],
            "generationConfig": generation,
        })
    }

    /// Sends a POST with retries; returns the successful response.
    async fn post(
        &self,
        url: &str,
        body: &Value,
        read_timeout: bool,
    ) -> Result<reqwest::Response, AnalysisError> {
        let mut attempt = 0u32;
        loop {
            let mut req = self
                .http
                .post(url)
                .header("x-goog-api-key", self.cfg.api_key.expose_secret())
                .json(body);
            if read_timeout {
                req = req.timeout(self.cfg.timeout);
            }
            let sent = tokio::time::timeout(self.cfg.timeout, req.send()).await;
            let (retryable, err, retry_after) = match sent {
                Err(_) => (true, AnalysisError::Timeout(self.cfg.timeout), None),
                Ok(Err(e)) if e.is_timeout() => {
                    (true, AnalysisError::Timeout(self.cfg.timeout), None)
                }
                Ok(Err(e)) => (
                    e.is_connect(),
                    AnalysisError::Http(e.without_url().to_string()),
                    None,
                ),
                Ok(Ok(resp)) if resp.status().is_success() => return Ok(resp),
                Ok(Ok(resp)) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let text = resp.text().await.unwrap_or_default();
                    let message = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| {
                            v.pointer("/error/message")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| text.chars().take(200).collect());
                    (
                        status == 429 || status >= 500,
                        AnalysisError::Status { status, message },
                        retry_after,
                    )
                }
            };
            if !retryable || attempt >= self.cfg.max_retries {
                return Err(err);
            }
            let backoff = retry_after
                .unwrap_or_else(|| {
                    self.cfg
                        .initial_backoff
                        .saturating_mul(2u32.saturating_pow(attempt))
                })
                .min(Duration::from_secs(30));
            tracing::warn!(attempt, error = %err, ?backoff, "gemini request failed; retrying");
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }

    /// `generateContent`: the whole reply text.
    pub async fn generate(&self, system: &str, prompt: &str) -> Result<String, AnalysisError> {
        let url = self.url(&self.cfg.model, "generateContent");
        let resp = self
            .post(&url, &self.generate_body(system, prompt), true)
            .await?;
        let v: Value = resp
            .json()
            .await
            .map_err(|e| AnalysisError::Shape(format!("reply is not json: {}", e.without_url())))?;
        let text = candidate_text(&v);
        if text.is_empty() {
            return Err(AnalysisError::Shape(block_reason(&v)));
        }
        Ok(text)
    }

    /// `streamGenerateContent?alt=sse`: the reply as text chunks, in order.
    pub async fn stream_generate(
        &self,
        system: &str,
        prompt: &str,
    ) -> Result<BoxStream<'static, Result<String, AnalysisError>>, AnalysisError> {
        let url = format!(
            "{}?alt=sse",
            self.url(&self.cfg.model, "streamGenerateContent")
        );
        let resp = self
            .post(&url, &self.generate_body(system, prompt), false)
            .await?;
        let idle = self.cfg.timeout;
        let bytes = resp.bytes_stream().boxed();
        let state = (bytes, String::new(), false);
        let s = stream::unfold(state, move |(mut bytes, mut buf, done)| async move {
            if done {
                return None;
            }
            loop {
                if let Some(pos) = buf.find("\n\n") {
                    let event: String = buf.drain(..pos + 2).collect();
                    let data: String = event
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .map(str::trim)
                        .collect::<Vec<_>>()
                        .join("");
                    if data.is_empty() {
                        continue;
                    }
                    let item = serde_json::from_str::<Value>(&data)
                        .map(|v| candidate_text(&v))
                        .map_err(|e| {
                            AnalysisError::Shape(format!("stream event is not json: {e}"))
                        });
                    match item {
                        Ok(t) if t.is_empty() => continue,
                        other => return Some((other, (bytes, buf, false))),
                    }
                }
                match tokio::time::timeout(idle, bytes.next()).await {
                    Err(_) => return Some((Err(AnalysisError::Timeout(idle)), (bytes, buf, true))),
                    Ok(None) => {
                        if buf.trim().is_empty() {
                            return None;
                        }
                        buf.push_str("\n\n");
                    }
                    Ok(Some(Err(e))) => {
                        return Some((
                            Err(AnalysisError::Http(e.without_url().to_string())),
                            (bytes, buf, true),
                        ))
                    }
                    Ok(Some(Ok(chunk))) => {
                        buf.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"))
                    }
                }
            }
        });
        Ok(s.boxed())
    }

    /// `batchEmbedContents` (one request for many texts), vectors L2-normalised.
    pub async fn embed(
        &self,
        texts: &[String],
        task: TaskType,
    ) -> Result<Vec<Vec<f32>>, AnalysisError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let model = format!("models/{}", self.cfg.embedding_model);
        if texts.len() == 1 {
            let url = self.url(&self.cfg.embedding_model, "embedContent");
            let body = json!({
                "model": model,
                "content": { "parts": [{ "text": texts[0] }] },
                "taskType": task.as_str(),
                "outputDimensionality": self.cfg.embedding_dimension,
            });
            let v: Value = self
                .post(&url, &body, true)
                .await?
                .json()
                .await
                .map_err(|e| AnalysisError::Shape(e.without_url().to_string()))?;
            let values = v
                .pointer("/embedding/values")
                .ok_or_else(|| AnalysisError::Shape("no embedding.values in reply".to_string()))?;
            return Ok(vec![self.vector(values)?]);
        }
        let url = self.url(&self.cfg.embedding_model, "batchEmbedContents");
        let requests: Vec<Value> = texts
            .iter()
            .map(|t| {
                json!({
                    "model": model,
                    "content": { "parts": [{ "text": t }] },
                    "taskType": task.as_str(),
                    "outputDimensionality": self.cfg.embedding_dimension,
                })
            })
            .collect();
        let v: Value = self
            .post(&url, &json!({ "requests": requests }), true)
            .await?
            .json()
            .await
            .map_err(|e| AnalysisError::Shape(e.without_url().to_string()))?;
        let list = v
            .get("embeddings")
            .and_then(Value::as_array)
            .ok_or_else(|| AnalysisError::Shape("no embeddings in reply".to_string()))?;
        if list.len() != texts.len() {
            return Err(AnalysisError::Shape(format!(
                "{} embeddings for {} texts",
                list.len(),
                texts.len()
            )));
        }
        list.iter()
            .map(|e| {
                let values = e
                    .get("values")
                    .ok_or_else(|| AnalysisError::Shape("embedding without values".to_string()))?;
                self.vector(values)
            })
            .collect()
    }

    fn vector(&self, values: &Value) -> Result<Vec<f32>, AnalysisError> {
        let arr = values
            .as_array()
            .ok_or_else(|| AnalysisError::Shape("embedding values are not a list".to_string()))?;
        let mut v: Vec<f32> = arr
            .iter()
            .map(|x| x.as_f64().unwrap_or(0.0) as f32)
            .collect();
        if v.len() != self.cfg.embedding_dimension {
            return Err(AnalysisError::Shape(format!(
                "embedding has {} dimensions, configured {}",
                v.len(),
                self.cfg.embedding_dimension
            )));
        }
        crate::embed::l2_normalize(&mut v);
        Ok(v)
    }
}

/// Concatenated text of the first candidate's parts (thought parts skipped).
fn candidate_text(v: &Value) -> String {
    v.pointer("/candidates/0/content/parts")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter(|p| !p.get("thought").and_then(Value::as_bool).unwrap_or(false))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<String>()
        })
        .unwrap_or_default()
}

fn block_reason(v: &Value) -> String {
    if let Some(r) = v
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
    {
        return format!("the prompt was blocked ({r})");
    }
    match v
        .pointer("/candidates/0/finishReason")
        .and_then(Value::as_str)
    {
        Some(r) => format!("the reply had no text (finish reason {r})"),
        None => "the reply had no candidates".to_string(),
    }
}
