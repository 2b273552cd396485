# Mail: subjects and bodies.
# The text part keeps its own line breaks (`-text` ids, wrapped near 72
# columns); the HTML part's sentences are unwrapped. In HTML, html_t() puts
# markup around some arguments: a name in bold, a link's text ($account,
# $forgot, $codes, $site).

mail-subject-verify-email = Confirm your email address
mail-subject-password-reset = Reset your password
mail-subject-password-changed = Your password was changed
mail-subject-password-reset-done = Your password was reset
mail-subject-email-changed = Your email address was changed
mail-subject-2fa-on = Two-factor authentication is on
mail-subject-2fa-off = Two-factor authentication was turned off
mail-subject-recovery-code-used = A recovery code was used
mail-subject-passkey-added = A passkey was added

# How long a link works ($n is a count).
mail-duration-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
mail-duration-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
mail-duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
mail-duration-seconds = { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}

# Every mail.
mail-hello = Hello { $username },
mail-footer = Sent automatically by { $site }; replies are not read.
mail-footer-text = This message was sent automatically; replies are not read.
mail-nothing-to-do = If this was you, there is nothing to do.
# Before a link written out in full.
mail-open-link = Or open this link:
mail-link-new-password-now = choose a new password now
mail-link-account-page = your account page
mail-link-log-in-change = log in and change it
mail-link-new-codes = make ten new codes

# Confirm your email address.
mail-verify-intro = Please confirm that this is your email address.
mail-verify-intro-text = please confirm that this is your email address by opening this link:
mail-verify-button = Confirm my address
mail-verify-valid = The link works once and for 24 hours. Until then the address is not used for anything, password reset included.
mail-verify-valid-text =
    The link works once and for 24 hours. Until then the address is not used
    for anything, password reset included.
mail-verify-not-you = If you did not add this address to an account, you can ignore this message.

# Reset your password.
mail-reset-asked = Someone (we hope you) asked to reset the password of your account { $username }.
mail-reset-asked-text =
    someone (we hope you) asked to reset the password of your account
    "{ $username }". To choose a new password, open this link:
mail-reset-button = Choose a new password
mail-reset-valid = The link works once and for { $valid_for }. Setting a new password logs you out everywhere.
mail-reset-valid-text =
    The link works once and for { $valid_for }. Setting a new password logs
    you out everywhere.
mail-reset-not-you = If you did not ask for this, ignore this message: your password stays as it is.

# Your password was changed (on the account page) or reset (by a link).
mail-password-changed = The password of your account { $username } was changed on the account page on { $when }. Every other session was logged out.
mail-password-changed-text =
    the password of your account "{ $username }" was changed on the account page
    on { $when }. Every other session was logged out.
mail-password-changed-not-you = If it was not, someone knows your password: { $forgot }.
mail-password-changed-not-you-text =
    If it was not, someone knows your password: choose a new password now at
    { $forgot_link }
mail-password-reset-done = The password of your account { $username } was reset with a link sent to this address on { $when }. Every session was logged out.
mail-password-reset-done-text =
    the password of your account "{ $username }" was reset with a link sent to this address
    on { $when }. Every session was logged out.
mail-password-reset-done-not-you = If it was not, someone knows how to read your mail: { $forgot }.
mail-password-reset-done-not-you-text =
    If it was not, someone knows how to read your mail: choose a new password now at
    { $forgot_link }

# Your email address was changed (this mail goes to the old address).
mail-email-changed-to = The email address of your account { $username } was changed to { $new_address } on { $when }. This address will get no more mail about the account.
mail-email-changed-to-text =
    the email address of your account "{ $username }" was changed to
    { $new_address } on { $when }. This address will get no more mail about
    the account.
mail-email-removed = The email address of your account { $username } was removed on { $when }. This address will get no more mail about the account.
mail-email-removed-text =
    the email address of your account "{ $username }" was removed on { $when }. This address will get no more mail about
    the account.
mail-email-changed-not-you = If it was not, someone has your password: { $account }.
mail-email-changed-not-you-text =
    If it was not, someone has your password: log in and change it at
    { $account_link }

# Two-factor authentication was turned on or off.
mail-2fa-on = Two-factor authentication was turned { $state } for your account { $username } on { $when }. Logging in now needs a code from your authenticator app (or one of your recovery codes) after the password.
mail-2fa-on-text =
    two-factor authentication was turned on for your account "{ $username }"
    on { $when }. Logging in now needs a code from your authenticator app (or
    one of your recovery codes) after the password.
mail-2fa-off = Two-factor authentication was turned { $state } for your account { $username } on { $when }. Logging in needs only the password now.
mail-2fa-off-text =
    two-factor authentication was turned off for your account "{ $username }"
    on { $when }. Logging in needs only the password now.
# $state in mail-2fa-on and mail-2fa-off, in bold.
mail-2fa-state-on = on
mail-2fa-state-off = off
mail-2fa-not-you = If it was not, someone is in your account: { $forgot }.
mail-2fa-not-you-text =
    If it was not, someone is in your account: choose a new password now at
    { $forgot_link }

# A recovery code was used.
mail-recovery-used = One of the recovery codes of your account { $username } was used on { $when }. It works no more; { $left ->
    [one] { $left } unused code
   *[other] { $left } unused codes
} left.
mail-recovery-used-text =
    one of the recovery codes of your account "{ $username }" was used on
    { $when }. It works no more; { $left ->
        [one] { $left } unused code
       *[other] { $left } unused codes
    } left.
mail-recovery-you = If this was you, you can { $codes } on the account page.
mail-recovery-you-text =
    If this was you, you can make ten new codes on the account page
    ({ $account_link }).
mail-recovery-not-you = If it was not, someone has your password and a recovery code: { $forgot }.
mail-recovery-not-you-text =
    If it was not, someone has your password and a recovery code: choose a
    new password now at { $forgot_link }

# A passkey was added.
mail-passkey-added = A passkey named { $name } was added to your account { $username } on { $when }. It can now log in to your account without the password.
mail-passkey-added-text =
    a passkey named "{ $name }" was added to your account "{ $username }"
    on { $when }. It can now log in to your account without the password.
mail-passkey-added-not-you = If it was not, someone is in your account: remove the passkey on { $account } and { $forgot }.
mail-passkey-added-not-you-text =
    If it was not, someone is in your account: remove the passkey on your
    account page ({ $account_link }) and choose a new password now at
    { $forgot_link }
