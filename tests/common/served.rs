//! The `tokenstation serve` binary on a loopback port chosen by the OS: started on a
//! store, its printed address read, HTTP through ureq, stopped with SIGTERM by its PID.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server.
pub struct Served {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The rest of its standard output.
    pub stdout: BufReader<ChildStdout>,
    agent: ureq::Agent,
}

impl Served {
    /// Starts `tokenstation --db DB serve --listen LISTEN ARGS…` and waits for its
    /// address.
    pub fn start(db: &Path, listen: &str, args: &[&str]) -> Served {
        Served::start_with(db, None, None, listen, args)
    }

    /// [`Served::start`] with `--key-file KEY` (a PostgreSQL store) and standard error
    /// written to the file `stderr` (read it after the server stopped).
    pub fn start_with(
        db: &Path,
        key: Option<&Path>,
        stderr: Option<&Path>,
        listen: &str,
        args: &[&str],
    ) -> Served {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokenstation"));
        cmd.env_remove("TOKENSTATION_DB")
            .env_remove("TOKENSTATION_KEY_FILE")
            .env_remove("TOKENSTATION_PASSPHRASE")
            .env("TOKENSTATION_CONFIG", "/dev/null")
            .arg("--db")
            .arg(db);
        if let Some(k) = key {
            cmd.arg("--key-file").arg(k);
        }
        let err = match stderr {
            Some(f) => Stdio::from(std::fs::File::create(f).unwrap()),
            None => Stdio::inherit(),
        };
        let mut child = cmd
            .args(["serve", "--listen", listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Served {
            child,
            base,
            stdout,
            agent,
        }
    }

    /// `POST path` with a key and a JSON body: (status, body).
    pub fn post(&self, path: &str, key: &str, body: &serde_json::Value) -> (u16, String) {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("X-API-Key", key)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    /// `GET path` with an optional key: (status, body).
    pub fn get(&self, path: &str, key: Option<&str>) -> (u16, String) {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        let mut r = req.call().unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    /// Sends SIGTERM to the server (by its PID).
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for the process to end (at most `secs`); its exit code.
    pub fn wait(&mut self, secs: u64) -> Option<i32> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("the server did not stop within {secs} s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
