//! The test-side SMTP sink (`support::mail`) against lettre's client: what
//! the app's mail stories rely on, checked on its own.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use crate::support::mail::{Mail, SmtpSink};

const WAIT: Duration = Duration::from_secs(5);
const RESET: &str = "http://localhost:1234/password/reset?token=";

fn transport(sink: &SmtpSink) -> AsyncSmtpTransport<Tokio1Executor> {
    assert_eq!(sink.url(), format!("smtp://127.0.0.1:{}", sink.port()));
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(sink.port())
        .build()
}

fn message(to: &str, subject: &str, text: String, html: String) -> Message {
    Message::builder()
        .from(
            "Session Auth <noreply@example.test>"
                .parse::<Mailbox>()
                .unwrap(),
        )
        .to(to.parse::<Mailbox>().unwrap())
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .unwrap()
}

#[tokio::test]
async fn a_multipart_message_arrives_with_its_headers_text_html_and_link_decoded() {
    let sink = SmtpSink::start().await;
    // Longer than a line of quoted-printable (76), with `=` in it, so the
    // encoding both escapes it (`=3D`) and breaks the link across lines.
    let token = "Zm9vYmFyYmF6cXV4".repeat(5) + "-_AZaz09";
    let link = format!("{RESET}{token}&next=%2Fdashboard&x==y");
    let text =
        format!("Hello Alice,\r\n\r\nTo choose a new password, open\r\n{link}\r\n.. the team\r\n");
    let html = format!("<p>Hello Alice, <a href=\"{link}\">choose a new password</a>.</p>");
    let subject = "Réinitialiser votre mot de passe";

    let mail = message("Alice <Alice@Example.test>", subject, text, html.clone());
    transport(&sink).send(mail).await.unwrap();

    let mail = sink.next_mail_to("alice@example.TEST", WAIT).await;
    assert_eq!(mail.envelope_from, "noreply@example.test");
    assert_eq!(mail.envelope_to, ["Alice@Example.test"]);
    assert_eq!(mail.subject, subject);
    assert_eq!(mail.header("subject"), Some(subject));
    assert_eq!(mail.header("TO"), Some("Alice <Alice@Example.test>"));
    assert_eq!(
        mail.header("from"),
        Some("\"Session Auth\" <noreply@example.test>")
    );
    assert!(
        (mail.header("Content-Type").unwrap()).starts_with("multipart/alternative;"),
        "{:?}",
        mail.headers
    );
    assert_eq!(mail.link(RESET).as_deref(), Some(link.as_str()));
    assert_eq!(mail.token(RESET).as_deref(), Some(token.as_str()));
    assert_eq!(mail.link("http://elsewhere/"), None);
    assert!(mail.text.starts_with("Hello Alice,\r\n"), "{:?}", mail.text);
    // Dot-stuffed on the wire, unstuffed by the sink.
    assert!(
        mail.text.ends_with("\r\n.. the team\r\n"),
        "{:?}",
        mail.text
    );
    assert_eq!(mail.html.as_deref().map(str::trim_end), Some(html.as_str()));
    // The link went over the wire encoded: the raw message does not hold it.
    assert!(!mail.raw.contains(&link), "{}", mail.raw);
    assert!(
        mail.raw
            .contains("Content-Transfer-Encoding: quoted-printable")
    );
    assert_eq!(sink.all().len(), 1);
    assert_eq!(sink.refused(), 0);
}

#[tokio::test]
async fn fail_next_refuses_one_transaction_with_a_transient_error_then_accepts_again() {
    let sink = SmtpSink::start().await;
    let transport = transport(&sink);
    let send = || {
        let mail = message("bob@example.test", "Hi", "one".into(), "<p>one</p>".into());
        transport.send(mail)
    };

    sink.fail_next(1);
    let error = send().await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(
        error.status().map(|code| code.to_string()).as_deref(),
        Some("451")
    );
    assert!(sink.all().is_empty(), "a refused message is not kept");
    assert_eq!(sink.refused(), 1);

    send().await.unwrap();
    let mail = sink.next_mail_to("bob@example.test", WAIT).await;
    assert_eq!(mail.text.trim_end(), "one");
    assert_eq!(sink.refused(), 1);
}

#[tokio::test]
#[should_panic(
    expected = r#"no new mail to carol@example.test within 200ms; arrived: ["carol@example.test"] "Only one""#
)]
async fn a_message_is_taken_once_and_waiting_for_another_panics_listing_what_arrived() {
    let sink = SmtpSink::start().await;
    let mail = message("carol@example.test", "Only one", "x".into(), "y".into());
    transport(&sink).send(mail).await.unwrap();

    let first = sink.next_mail_to("carol@example.test", WAIT).await;
    assert_eq!(first.subject, "Only one");
    assert_eq!(sink.all().len(), 1, "a taken message is still listed");
    sink.next_mail_to("carol@example.test", Duration::from_millis(200))
        .await;
}

#[test]
fn an_eml_file_in_a_single_part_parses_too() {
    let raw = "From: a@example.test\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
        open http://localhost/verify?email=3Dx&token=3Dabc=\r\ndef now\r\n";
    let mail = Mail::parse(raw, String::new(), vec![]);
    assert_eq!(mail.subject, "café");
    assert_eq!(mail.html, None);
    assert_eq!(
        mail.text,
        "open http://localhost/verify?email=x&token=abcdef now\r\n"
    );
    assert_eq!(
        mail.token("http://localhost/verify?").as_deref(),
        Some("abcdef")
    );
}
