# The account area: /account, two-factor authentication, passkeys, sessions,
# security activity, the password confirmation; the labels the code makes
# for them (devices, login methods, events).

## /account

account-title = Your account
account-username = Username
account-created = Account created
account-last-login = Last login
account-first-login = never (this is your first login)
account-email-heading = Email address
account-email-verified = verified
account-email-unverified = not verified
account-email-open-link = Open the link we sent to this address to confirm it. Until then it is not used, password reset included.
account-email-resend = Send the link again
account-email-none = No address yet. With a verified address you can reset a forgotten password and get notices about your account's security.
account-email-new = New email address
account-email-new-hint = Leave empty to remove the address. We send a link to confirm a new one.
account-current-password = Current password
account-email-save = Save email address
account-password-heading = Change password
account-password-others = Your other sessions will be logged out; this one stays signed in.
account-new-password = New password
account-new-password-hint = At least 8 characters, at most 72 bytes. Long passphrases are best; no special characters required.
account-new-password-repeat = Repeat new password
account-password-submit = Change password
account-twofa-heading = Two-factor authentication
account-twofa-text = A code from an authenticator app after your password, with recovery codes for when you lose the device.
account-twofa-manage = Manage two-factor authentication
account-passkeys-manage = Manage passkeys
account-sessions-heading = Sessions
account-sessions-text = See every browser and device signed in to this account, and log out the ones you do not use.
account-sessions-link = Your sessions
account-activity-link = Security activity
account-sessions-others = Or log out every other browser and device at once; this one stays signed in.
account-logout-others = Log out other sessions
account-delete-heading = Delete account
account-delete-text = This removes your account and its data for good. It cannot be undone.
account-delete-password = Confirm with your password
account-delete-submit = Delete my account permanently
account-back = Back to your account

## /account/2fa

twofa-title = Two-factor authentication
twofa-off-lead = A code from an authenticator app (Google Authenticator, 1Password, Aegis, …) after your password: a stolen password alone no longer gets in.
twofa-setup-submit = Set up two-factor authentication
twofa-setup-lead = Scan this code with your authenticator app, then enter the 6 digits it shows.
twofa-qr-label = QR code of the secret for your authenticator app
twofa-cannot-scan = Cannot scan it? Enter this secret in the app by hand:
twofa-code = Code from your app
twofa-turn-on = Turn on
twofa-now-on = Two-factor authentication is on.
twofa-codes-heading = Your recovery codes
twofa-codes-keep = Keep them somewhere safe, away from your phone. Each logs you in once if you lose your device.
twofa-codes-once = They are shown only now.
twofa-codes-saved = I have saved them
twofa-on-badge = on
twofa-on-lead = Logging in needs a code from your authenticator app after the password.
twofa-codes-left = { $count ->
    [one] { $count } unused recovery code left.
   *[other] { $count } unused recovery codes left.
}
twofa-recovery-heading = Recovery codes
twofa-recovery-text = Ten new codes; the old ones stop working.
twofa-recovery-submit = Make new recovery codes
twofa-off-heading = Turn off
twofa-off-code = A current code, or a recovery code below
twofa-off-recovery = Recovery code
twofa-off-submit = Turn two-factor authentication off

## /account/passkeys

passkeys-title = Passkeys
passkeys-lead = A passkey logs you in with your device's screen lock or security key: no username or password, and nothing a fake site can steal.
passkeys-name = Name
passkeys-added = Added
passkeys-last-used = Last used
passkeys-remove = Remove
passkeys-never = never
passkeys-none = No passkeys yet.
passkeys-add-heading = Add a passkey
passkeys-add-name = Name (e.g. Laptop, Phone)
passkeys-add-submit = Add a passkey
passkeys-off = Passkeys are off on this server: its address (PUBLIC_URL) is an IP address, which browsers refuse.
# What static/js/passkeys.js shows; { $name } and { $status } stay as they
# are: the script puts the browser's error name and the HTTP status there.
passkeys-js-create-prompt = Follow your browser's prompt to create the passkey…
passkeys-js-create-duplicate = This device already holds a passkey of your account.
passkeys-js-create-refused = No passkey was created ({ $name }).
passkeys-js-use-prompt = Follow your browser's prompt to use your passkey…
passkeys-js-use-refused = No passkey was used ({ $name }).
passkeys-js-unsupported = This browser cannot create passkeys.
passkeys-js-server = The server answered { $status }

## /account/sessions

sessions-title = Your sessions
sessions-lead = Every browser and device signed in to your account. Do not recognize one? Log it out, then change your password.
sessions-device = Device
sessions-method = Logged in with
sessions-address = Address
sessions-started = Started
sessions-last-seen = Last seen
sessions-logout = Log out
sessions-this = this session
sessions-logout-this = Log out this session
sessions-none = Nothing listed yet: a session that began before sessions were recorded shows up within a few minutes of its next use. "Log out all other sessions" ends them all the same.
sessions-logout-others = Log out all other sessions
sessions-unknown-address = unknown
# A device: browser and system names stay as they are ("Firefox", "Linux").
sessions-device-browser-on-system = { $browser } on { $system }
sessions-device-on-system = A browser on { $system }
sessions-device-unknown = Unknown device

## How a session was logged in

account-method-password = Password
account-method-totp = Password + authenticator code
account-method-recovery-code = Password + recovery code
account-method-passkey = Passkey
account-method-unknown = Not recorded

## /account/activity

activity-title = Security activity
activity-lead = The last 50 security events of your account, newest first. Something you did not do? Change your password and
activity-lead-link = log out the sessions
activity-lead-end = {" "}you do not know.
activity-when = When
activity-what = What
activity-how = How
activity-address = Address
activity-details = Details
activity-none = Nothing yet.

activity-account-created = Account created
activity-login-succeeded = Logged in
activity-login-failed = Failed login
activity-locked-out = Locked for a while after too many failed logins
activity-password-changed = Password changed
activity-password-reset = Password reset
activity-email-changed = Email address changed
activity-email-verified = Email address verified
activity-two-factor-enabled = Two-factor authentication turned on
activity-two-factor-disabled = Two-factor authentication turned off
activity-recovery-codes-replaced = New recovery codes made
activity-passkey-added = Passkey added
activity-passkey-removed = Passkey removed
activity-session-ended = Session ended
activity-sessions-ended = Other sessions ended
activity-account-locked = Account locked by an operator
activity-account-unlocked = Account unlocked by an operator

# The details some events keep (stored in English, shown in the reader's language).
activity-detail-logged-out = logged out
activity-detail-account-locked = the account is locked
activity-detail-by-operator = by an operator
activity-detail-email-changed = changed
activity-detail-email-removed = removed

## /account/confirm

confirm-title = Confirm it is you
confirm-lead = This change needs your password again: you logged in a while ago.
confirm-lead-passkeys = This change needs your password again (or one of your passkeys): you logged in a while ago.
confirm-password = Password
confirm-submit = Confirm
confirm-passkey = Confirm with a passkey
