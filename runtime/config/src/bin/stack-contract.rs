//! `stack-contract`: prints the stack contract's function list for scripts, so that
//! `scripts/build-stack` builds what the contract names instead of a list of its own.
//!
//! `stack-contract` prints one line per function (`id binary package output_key`);
//! `stack-contract --packages` prints the packages that build them, one per line.

use std::process::ExitCode;

use code_remote_config::Function;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {
            for function in Function::ALL {
                println!(
                    "{} {} {} {}",
                    function.id(),
                    function.binary(),
                    function.package(),
                    function.output_key()
                );
            }
            ExitCode::SUCCESS
        }
        ["--packages"] => {
            let mut packages: Vec<&str> = Function::ALL.iter().map(|f| f.package()).collect();
            packages.dedup();
            for package in packages {
                println!("{package}");
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: stack-contract [--packages]");
            ExitCode::from(2)
        }
    }
}
