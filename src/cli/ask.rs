//! Answering a job's questions on the terminal: codes are read as a line from standard
//! input (so scripts can pipe them), secrets without echo on a terminal only. Reading
//! happens on a helper thread so Ctrl-C still stops the job while a question waits.
//! [`drive`] runs a job to its end with both.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::mpsc::Sender;

use zeroize::Zeroizing;

use crate::devices::error::Credential;
use crate::station::jobs::{Answer, Ask, CodeProblem};

/// Who may be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asking {
    /// Read answers from standard input, a terminal or not.
    Stdin,
    /// Ask only when standard input is a terminal (batch work).
    TerminalOnly,
}

fn line(question: &str) -> Answer {
    err!("{question}");
    let _ = std::io::stderr().flush();
    let mut l = String::new();
    match std::io::stdin().lock().read_line(&mut l) {
        Ok(0) | Err(_) => {
            errln!(); // end the question's line: nothing came
            Answer::Unavailable
        }
        Ok(_) => Answer::Text(Zeroizing::new(l.trim().to_string())),
    }
}

fn secret(question: &str) -> Answer {
    if !std::io::stdin().is_terminal() {
        return Answer::Unavailable;
    }
    match rpassword::prompt_password(question) {
        Ok(p) => Answer::Text(Zeroizing::new(p)),
        Err(_) => Answer::Unavailable,
    }
}

fn yes_no(question: &str) -> Answer {
    match line(question) {
        Answer::Text(t) => Answer::Confirmed(matches!(t.as_str(), "y" | "Y" | "yes")),
        other => other,
    }
}

/// The answer to `ask`, read from the person at the terminal.
pub fn answer(ask: &Ask, asking: Asking) -> Answer {
    if asking == Asking::TerminalOnly && !std::io::stdin().is_terminal() {
        return Answer::Unavailable;
    }
    match ask {
        Ask::Code { serial, digits } => line(&format!(
            "Type the code token {serial} shows now ({digits} digits): "
        )),
        Ask::CodeAgain {
            serial,
            digits,
            problem,
            tries_left,
        } => line(&format!(
            "{}; type the code token {serial} shows now ({tries_left} {} left): ",
            match problem {
                CodeProblem::NotDigits => format!("{digits} digits expected"),
                CodeProblem::Mismatch => "that is not the token's code".to_string(),
            },
            if *tries_left == 1 { "try" } else { "tries" },
        )),
        Ask::NextCode { serial, digits } => line(&format!(
            "Wait for token {serial} to show its next code, and type it ({digits} digits): "
        )),
        Ask::Secret { device, credential } => secret(&match credential {
            Credential::AdminPin => "Nitrokey admin PIN: ".to_string(),
            Credential::OathAccessCode => format!("OATH access code of {device}: "),
            Credential::UserPin => "Nitrokey user PIN: ".to_string(),
            Credential::AdminSession => format!("{device}: {credential}: "),
        }),
        Ask::FilePassword { file } => secret(&format!("Password of {file}: ")),
        Ask::Confirm { action } => yes_no(&format!("{action}? [y/N] ")),
        Ask::LastKeyTry { device, tries_left } => {
            if !std::io::stdin().is_terminal() {
                return Answer::Unavailable;
            }
            let tries = if *tries_left == 1 { "try" } else { "tries" };
            yes_no(&format!(
                "{tries_left} {tries} left on {device}: a wrong key locks it for good. \
                 Try this key? [y/N] "
            ))
        }
    }
}

/// Answers `ask` on a helper thread, sending the answer to `reply`.
pub fn answer_async(ask: Ask, reply: Sender<Answer>, asking: Asking) {
    let spawned = std::thread::Builder::new()
        .name("ask".into())
        .spawn(move || {
            let _ = reply.send(answer(&ask, asking));
        });
    if spawned.is_err() {
        tracing::warn!("could not start a thread to read an answer");
    }
}

/// Runs a job to its end on this terminal: Ctrl-C cancels it, its questions are
/// answered as `asking` allows, and each event goes to `on`.
pub fn drive<E, R>(
    job: crate::station::jobs::Job<E, R>,
    asking: Asking,
    on: impl FnMut(E),
) -> crate::station::Result<R> {
    drive_with(job, asking, on, || {})
}

/// [`drive`], calling `before_ask` before each question is put (to clear a line
/// being redrawn, such as a countdown).
pub fn drive_with<E, R>(
    job: crate::station::jobs::Job<E, R>,
    asking: Asking,
    mut on: impl FnMut(E),
    mut before_ask: impl FnMut(),
) -> crate::station::Result<R> {
    use crate::station::jobs::JobMsg;
    super::interrupt::cancel_on_ctrl_c(&job.cancel_token());
    job.run(|m| match m {
        JobMsg::Event(e) => on(e),
        JobMsg::Ask { ask, reply } => {
            before_ask();
            answer_async(ask, reply, asking)
        }
    })
}
