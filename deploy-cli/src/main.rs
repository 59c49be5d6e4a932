//! `deploy`: parse the command line and hand it to the library.

use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = code_remote_deploy::Cli::parse();
    match code_remote_deploy::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Library messages often already quote their cause; print each cause once.
            let mut message = error.to_string();
            for cause in error.chain().skip(1).map(ToString::to_string) {
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("error: {message}");
            std::process::ExitCode::from(code_remote_deploy::cloud::exit_code(&error))
        }
    }
}
