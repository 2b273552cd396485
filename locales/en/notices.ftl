# Notices (shown once on the next page, or as a JSON `message`) and
# problems with a whole form.

notice-logged-out = You have been logged out
notice-session-ended = Logged out: { $device }
notice-password-changed = Password changed
notice-password-reset = Password changed; log in with your new password
notice-account-deleted = Your account has been deleted
notice-others-logged-out = Your other sessions have been logged out
notice-2fa-off = Two-factor authentication is off
notice-email-verified = Email address verified
notice-email-unchanged = That is already your verified address
notice-email-saved = Email address saved; we sent a link to { $address } to confirm it
notice-email-removed = Email address removed
notice-email-already-verified = Your email address is already verified
notice-reset-sent = If an account matches, we have sent a link
notice-confirmed = Confirmed: you can make the change now
notice-passkey-removed = Passkey removed

problem-2fa-already-on = Two-factor authentication is already on.
problem-2fa-no-secret = Start the set-up again: no secret is waiting for a code.
problem-2fa-off = Turn two-factor authentication on first.
problem-passkeys-off = Passkeys are off on this server: its PUBLIC_URL is an IP address.
problem-passkey-not-added = That passkey could not be added; please try again.

field-2fa-code-wrong = That code is not right: enter the 6 digits the app shows now.
field-2fa-disable-code = Enter a current code from your app, or a recovery code.
field-delete-needs-password = Enter your current password to delete the account.
field-email-none = Add an email address first.
field-login-required = Enter your username or email address.
field-passkey-name-required = Give the passkey a name, e.g. "Laptop" or "Phone".
field-passkey-name-long = At most { $max } characters.
field-passkey-name-control = No control characters, please.
field-passkey-duplicate = That passkey is already registered.

link-ask-again-account = Send a new link from your account page
link-ask-again-reset = Ask for a new link
notice-email-resent = We sent a new link to { $address }
notice-lang-chosen = The pages now speak English
field-lang-unknown = Choose one of: { $choices }
