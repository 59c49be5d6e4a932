//! The `execution_result` frame, cut to fit API Gateway's 128 KiB frame limit.

use code_remote_domain::JobId;
use code_remote_sandbox::{ExecutionResult, OutputSize};
use code_remote_ws::MAX_FRAME_BYTES;
use serde_json::{json, Value};

/// Serializes `result` as an `execution_result` frame of at most [`MAX_FRAME_BYTES`]. A result
/// too big for one frame has its longest text fields cut (and `truncated: true`): a result is
/// never dropped for its size.
pub fn execution_result_frame(job_id: JobId, result: &ExecutionResult) -> Vec<u8> {
    let mut result = result.clone();
    for _ in 0..16 {
        let bytes = encode(job_id, &result);
        if bytes.len() <= MAX_FRAME_BYTES {
            return bytes;
        }
        if result.output_size.is_none() {
            result.output_size = Some(OutputSize::of(&result.stdout, &result.stderr));
        }
        result.truncated = true;
        let excess = bytes.len() - MAX_FRAME_BYTES;
        let longest = [&mut result.stdout, &mut result.stderr]
            .into_iter()
            .chain(result.error.as_mut())
            .max_by_key(|text| text.len());
        match longest {
            Some(text) if !text.is_empty() => {
                // Each removed byte shortens the JSON by at least one byte (escapes are longer).
                let keep = text.len().saturating_sub(excess + 64);
                cut(text, keep);
            }
            _ => break,
        }
    }
    let mut fallback =
        ExecutionResult::failure("The result was too large to deliver", "ResultTooLarge");
    fallback.truncated = true;
    fallback.execution_time_ms = result.execution_time_ms;
    fallback.timed_out = result.timed_out;
    fallback.output_size = result.output_size;
    fallback.cancelled = result.cancelled;
    encode(job_id, &fallback)
}

fn encode(job_id: JobId, result: &ExecutionResult) -> Vec<u8> {
    let mut frame = match serde_json::to_value(result) {
        Ok(Value::Object(fields)) => fields,
        _ => serde_json::Map::new(),
    };
    frame.insert("type".to_owned(), json!("execution_result"));
    frame.insert("job_id".to_owned(), json!(job_id));
    Value::Object(frame).to_string().into_bytes()
}

fn cut(text: &mut String, mut keep: usize) {
    while keep > 0 && !text.is_char_boundary(keep) {
        keep -= 1;
    }
    text.truncate(keep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result_with(stdout: String, stderr: String) -> ExecutionResult {
        let mut result = ExecutionResult::failure("boom", "ValueError");
        result.success = true;
        result.error = None;
        result.error_type = None;
        result.stdout = stdout;
        result.stderr = stderr;
        result
    }

    fn decode(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn a_small_result_is_sent_whole() {
        let job = JobId::generate();
        let frame = decode(&execution_result_frame(
            job,
            &result_with("hi\n".into(), String::new()),
        ));
        assert_eq!(frame["type"], "execution_result");
        assert_eq!(frame["job_id"], job.to_string());
        assert_eq!(frame["stdout"], "hi\n");
        assert_eq!(frame["truncated"], false);
    }

    #[test]
    fn a_256_kib_result_is_cut_to_the_frame_limit_and_marked() {
        let big = "x".repeat(256 * 1024);
        let bytes = execution_result_frame(JobId::generate(), &result_with(big.clone(), big));
        assert!(bytes.len() <= MAX_FRAME_BYTES);
        let frame = decode(&bytes);
        assert_eq!(frame["truncated"], true);
        let kept =
            frame["stdout"].as_str().unwrap().len() + frame["stderr"].as_str().unwrap().len();
        assert!(kept > 100 * 1024, "most of the frame is still output");
        assert_eq!(frame["output_size"]["stdout"]["bytes"], 256 * 1024);
        assert_eq!(frame["output_size"]["stderr"]["lines"], 1);
    }

    #[test]
    fn escaped_and_multibyte_output_still_fits() {
        let quotes = "\"\\\u{1}".repeat(40 * 1024);
        let accents = "é€😀".repeat(20 * 1024);
        let bytes = execution_result_frame(JobId::generate(), &result_with(quotes, accents));
        assert!(bytes.len() <= MAX_FRAME_BYTES);
        assert_eq!(decode(&bytes)["truncated"], true);
    }
}
