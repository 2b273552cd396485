# Shared by every page: navigation, footer, language switch, error titles.

site-name = session-auth
nav-main = Main
nav-skip = Skip to main content
nav-home = Home
nav-dashboard = Dashboard
nav-account = Account
nav-logout = Log out
nav-login = Log in
nav-register = Register
footer-text = session-auth · sessions kept in a signed, encrypted cookie
lang-switch = Language
lang-switch-button = Change language

status-400 = Bad Request
status-401 = Unauthorized
status-403 = Forbidden
status-404 = Not Found
status-405 = Method Not Allowed
status-409 = Conflict
status-413 = Payload Too Large
status-415 = Unsupported Media Type
status-422 = Unprocessable Content
status-429 = Too Many Requests
status-500 = Internal Server Error
status-503 = Service Unavailable
error-eyebrow = Error { $status }
error-back-home = Back to the home page
page-welcome-title = Welcome
