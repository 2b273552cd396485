# Errors: what an error page, a JSON `message` and a text answer say.
# The JSON `error` codes stay the same in every language.

error-bad-request = { $detail }
error-malformed-form = Malformed form body: { $detail }
error-malformed-json = Malformed JSON body: { $detail }
error-json-not-object = Malformed JSON body: expected an object with the form's fields
error-bad-content-type = Unreadable Content-Type header
error-missing-content-type = Missing Content-Type: send application/x-www-form-urlencoded or application/json
error-unsupported-body = Unsupported Content-Type { $type }: send application/x-www-form-urlencoded or application/json
error-body-unreadable = The request body could not be read: { $detail }
error-form-not-utf8 = Form body is not valid UTF-8
error-validation = The form has problems; see the fields.
error-invalid-credentials = Invalid username or password
error-login-required = Unauthorized
error-invalid-code = Invalid code
error-passkey-failed = That passkey did not work; try again or log in with your password
error-second-step-expired = Your login has expired; enter your username and password again
error-reauth-required = Confirm it is you: enter your password again
error-account-locked = This account is locked
error-cross-site = Cross-site request refused
error-not-found = Not found
error-username-taken = That username is already taken
error-email-taken = That email address belongs to another account
error-payload-too-large = Request body is too large (at most { $kib } KiB)
error-throttled = Too many attempts; try again in { $seconds } seconds
error-unavailable = The service is temporarily unavailable; please try again shortly
error-internal = Internal server error
error-method-not-allowed = Method Not Allowed
error-unsupported-media-type = Unsupported Media Type
error-not-acceptable = Not Acceptable
error-uri-too-long = URI Too Long
error-headers-too-large = Request Header Fields Too Large
error-status = { $reason }

link-unknown = This link is not valid: it may have been cut short or mistyped.
link-used = This link has already been used.
link-expired = This link has expired.
link-replaced = This link was for an email address that is no longer on the account.

# Form fields: each problem with a field.
field-username-required = Username is required.
field-username-length = Username must be 3 to 32 characters long.
field-username-characters = Username may contain only letters A–Z, digits, dots, underscores and hyphens.
field-password-required = Password is required.
field-password-short = Password must be at least { $min } characters long.
field-password-long = Password must be at most { $max } bytes long (it is { $bytes } bytes; letters outside A–Z take 2 to 4 bytes each).
field-password-has-username = Password must not contain the username.
field-password-guessable = Password is too easy to guess.{ $hints }
field-passwords-differ = Passwords do not match.
field-current-password-required = Current password is required.
field-current-password-wrong = Current password is incorrect.
field-email-long = Email address must be at most { $max } characters.
field-email-invalid = Enter an email address like name@example.com.
