//! `provider-double [--port N]`: serves the provider double on
//! 127.0.0.1:N (0 = any free port), prints `listening on http://127.0.0.1:PORT`
//! and runs until killed.

use std::io::Write;
use std::process::ExitCode;

use provider_double::ProviderDouble;

const USAGE: &str = "usage: provider-double [--port N]";

fn parse_port(value: Option<&str>) -> Result<u16, String> {
    let value = value.ok_or_else(|| "--port needs a value".to_owned())?;
    value
        .parse::<u16>()
        .map_err(|e| format!("invalid port {value:?}: {e}"))
}

fn parse_args(args: &[String]) -> Result<Option<u16>, String> {
    let mut port = 0;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--port" {
            port = parse_port(args.get(i + 1).map(String::as_str))?;
            i += 2;
        } else if let Some(value) = arg.strip_prefix("--port=") {
            port = parse_port(Some(value))?;
            i += 1;
        } else if arg == "-h" || arg == "--help" {
            return Ok(None);
        } else {
            return Err(format!("unknown argument {arg:?}"));
        }
    }
    Ok(Some(port))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match parse_args(&args) {
        Ok(Some(port)) => port,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("provider-double: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let double = match ProviderDouble::start_on(port).await {
        Ok(double) => double,
        Err(e) => {
            eprintln!("provider-double: cannot bind 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut stdout = std::io::stdout().lock();
        let printed =
            writeln!(stdout, "listening on {}", double.base_url()).and_then(|()| stdout.flush());
        if let Err(e) = printed {
            eprintln!("provider-double: cannot write to stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
    // Serve until the process is killed.
    std::future::pending::<()>().await;
    drop(double);
    ExitCode::SUCCESS
}
