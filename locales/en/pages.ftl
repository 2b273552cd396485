# Pages before and around the login.

field-label-username = Username
field-label-password = Password
field-label-new-password = New password
field-label-new-password-confirm = Repeat new password
field-new-password-hint = At least 8 characters, at most 72 bytes. Long passphrases are best; no special characters required.

login-title = Log in
login-lead = Welcome back. Sign in to continue.
login-remember = { $days ->
    [0] Keep me logged in
    [one] Keep me logged in for { $days } day
   *[other] Keep me logged in for { $days } days
}
login-submit = Log in
login-passkey = Sign in with a passkey
login-forgot = Forgot password?
login-no-account = No account?

register-title = Create an account
register-lead = Pick a username and a password you will remember.
register-username-hint = 3–32 characters: letters, digits, . _ -
register-password-confirm = Repeat password
register-email = Email address (optional)
register-email-hint = Only for getting back in if you forget your password, and for security notices. We send a link to confirm it.
register-submit = Create account
register-have-account = Already have an account?

logout-title = Log out
logout-lead = Do you want to log out?
logout-cancel = Cancel

forgot-title = Forgot password
forgot-heading = Forgot your password?
forgot-lead = Enter your username or email address. If the account has a verified email address, we send it a link to choose a new password.
forgot-login = Username or email address
forgot-submit = Send the link
forgot-remembered = Remembered it?

reset-title = Choose a new password
reset-account = For the account
reset-lead = Every session of the account is logged out; then you log in with the new password.
reset-submit = Set the new password

link-title = Link not valid
link-heading = This link does not work
link-lead = Links from our mails work once and only for a while.

second-step-title = Two-factor authentication
second-step-heading = Enter your code
second-step-lead = Open your authenticator app and enter the 6-digit code it shows for session-auth.
second-step-code = Code from your app
second-step-code-hint = 6 digits; a new one every 30 seconds.
second-step-lost-device = Lost your device? Use a recovery code
second-step-recovery-code = Recovery code
second-step-recovery-hint = One of the ten codes you saved when you turned two-factor authentication on. Each works once.
second-step-recovery-submit = Log in with a recovery code
second-step-start-again = Start again

dashboard-welcome = Welcome to the dashboard, { $name }
dashboard-lead = You are signed in. This page is only visible to logged-in users.
dashboard-body = Your session lives in a signed, encrypted cookie. You can change your password, sign out your other devices or delete your account on the account page.
dashboard-to-account = Go to your account
