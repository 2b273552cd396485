//! The rules for a new password at registration: 8 characters to 72 bytes,
//! not too easy to guess (with advice), not containing the username.

use reqwest::StatusCode;

use super::register::{account, problems};
use crate::helpers::*;

crate::stories!(
    a_password_needs_8_characters_and_at_most_72_bytes,
    a_guessable_password_is_refused_with_advice,
    a_password_containing_the_username_is_refused,
);

async fn a_password_needs_8_characters_and_at_most_72_bytes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let errors = problems(&app, &account("alice", "xK9#q2!")).await;
    assert!(
        errors["password"][0]
            .as_str()
            .unwrap()
            .contains("at least 8"),
        "{errors}"
    );

    let base = "Tq7vZp3mWx9Kd2Lr8Hs5Nb4Jf6Gc1Yu0";
    let p73: String = base.chars().cycle().take(73).collect();
    let errors = problems(&app, &account("alice", &p73)).await;
    assert!(
        errors["password"][0].as_str().unwrap().contains("72 bytes"),
        "{errors}"
    );
    // 25 characters, but 75 bytes: bytes are what bcrypt counts.
    let errors = problems(&app, &account("alice", &"語".repeat(25))).await;
    assert!(
        errors["password"][0].as_str().unwrap().contains("72 bytes"),
        "{errors}"
    );

    let p72: String = base.chars().cycle().take(72).collect();
    let response = app.post_json("/register", &account("alice", &p72)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.logout().await;
    assert_redirect(&app.login("alice", &p72).await, "/dashboard");
}

async fn a_guessable_password_is_refused_with_advice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for weak in ["password", "12345678", "qwertyuiop"] {
        let errors = problems(&app, &account("alice", weak)).await;
        let message = errors["password"][0].as_str().unwrap();
        assert!(message.contains("too easy to guess"), "{weak}: {message}");
        assert!(
            message.len() > "Password is too easy to guess.".len(),
            "advice shown: {message}"
        );
    }
}

async fn a_password_containing_the_username_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let errors = problems(&app, &account("alice", "xx-ALICE-horse-battery")).await;
    assert!(
        errors["password"][0].as_str().unwrap().contains("username"),
        "{errors}"
    );
    assert_eq!(app.whoami().await, None);
}
