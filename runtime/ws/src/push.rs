//! Frames to WebSocket connections through the API Gateway Management API.

use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;
use code_remote_domain::ConnectionId;

/// The largest frame API Gateway accepts (128 KiB); bigger messages must be shrunk by the caller.
pub const MAX_FRAME_BYTES: usize = 128 * 1024;

/// What became of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// The gateway accepted the frame.
    Delivered,
    /// The connection is gone (410): the client left; not an error of the job.
    Gone,
}

/// A push that failed for a reason other than a gone connection.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The frame is over [`MAX_FRAME_BYTES`].
    #[error("frame of {0} bytes is over the 128 KiB limit: truncate it before pushing")]
    TooLarge(usize),
    /// The Management API refused or could not be reached.
    #[error("pushing to the connection failed (check WEBSOCKET_MANAGEMENT_URL): {0}")]
    Gateway(String),
}

/// Pushes frames to connections.
#[derive(Debug, Clone)]
pub struct Pusher {
    client: Client,
}

impl Pusher {
    /// A pusher for the Management API at `endpoint` (the stage URL, or the local API's URL).
    pub fn new(config: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(endpoint)
            .build();
        Self {
            client: Client::from_conf(conf),
        }
    }

    /// Sends one frame; a gone connection is reported as [`PushOutcome::Gone`], not as an error.
    pub async fn push(
        &self,
        connection: &ConnectionId,
        frame: Vec<u8>,
    ) -> Result<PushOutcome, PushError> {
        if frame.len() > MAX_FRAME_BYTES {
            return Err(PushError::TooLarge(frame.len()));
        }
        let sent = self
            .client
            .post_to_connection()
            .connection_id(connection.as_str())
            .data(Blob::new(frame))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(PushOutcome::Delivered),
            Err(err) => {
                let gone = err
                    .as_service_error()
                    .is_some_and(|service| service.is_gone_exception())
                    || err
                        .raw_response()
                        .is_some_and(|raw| raw.status().as_u16() == 410);
                if gone {
                    Ok(PushOutcome::Gone)
                } else {
                    Err(PushError::Gateway(
                        aws_sdk_apigatewaymanagement::error::DisplayErrorContext(err).to_string(),
                    ))
                }
            }
        }
    }
}
