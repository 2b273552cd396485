# 오류: 오류 페이지, JSON `message`, 텍스트 응답이 말하는 내용.
# JSON `error` 코드는 어느 언어에서나 같습니다.

error-bad-request = 요청을 읽을 수 없습니다: { $detail }
error-malformed-form = 폼 본문의 형식이 잘못되었습니다: { $detail }
error-malformed-json = JSON 본문의 형식이 잘못되었습니다: { $detail }
error-json-not-object = JSON 본문의 형식이 잘못되었습니다: 폼 필드를 담은 객체여야 합니다
error-bad-content-type = Content-Type 헤더를 읽을 수 없습니다
error-missing-content-type = Content-Type이 없습니다: application/x-www-form-urlencoded나 application/json으로 보내 주세요
error-unsupported-body = 지원하지 않는 Content-Type { $type }: application/x-www-form-urlencoded나 application/json으로 보내 주세요
error-body-unreadable = 요청 본문을 읽을 수 없습니다: { $detail }
error-form-not-utf8 = 폼 본문이 올바른 UTF-8이 아닙니다
error-validation = 입력에 문제가 있습니다. 각 항목을 확인해 주세요.
error-invalid-credentials = 사용자 이름 또는 비밀번호가 올바르지 않습니다
error-login-required = 로그인이 필요합니다
error-invalid-code = 코드가 올바르지 않습니다
error-passkey-failed = 패스키로 로그인하지 못했습니다. 다시 시도하거나 비밀번호로 로그인하세요
error-second-step-expired = 로그인 시간이 지났습니다. 사용자 이름과 비밀번호를 다시 입력하세요
error-reauth-required = 본인 확인이 필요합니다. 비밀번호를 다시 입력하세요
error-account-locked = 이 계정은 잠겨 있습니다
error-cross-site = 다른 사이트에서 보낸 요청은 거부됩니다
error-not-found = 페이지를 찾을 수 없습니다
error-username-taken = 이미 사용 중인 사용자 이름입니다
error-email-taken = 다른 계정이 사용 중인 이메일 주소입니다
error-payload-too-large = 요청 본문이 너무 큽니다 (최대 { $kib } KiB)
error-throttled = 시도 횟수가 너무 많습니다. { $seconds }초 후에 다시 시도하세요
error-unavailable = 일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도하세요
error-internal = 서버 내부 오류
error-method-not-allowed = 허용되지 않는 메서드입니다
error-unsupported-media-type = 지원하지 않는 미디어 유형입니다
error-not-acceptable = 제공할 수 없는 응답 형식입니다
error-uri-too-long = URI가 너무 깁니다
error-headers-too-large = 요청 헤더가 너무 큽니다
error-status = 오류 { $status }

link-unknown = 올바른 링크가 아닙니다. 링크가 잘렸거나 잘못 입력되었을 수 있습니다.
link-used = 이미 사용된 링크입니다.
link-expired = 만료된 링크입니다.
link-replaced = 이 링크는 더 이상 계정에 등록되어 있지 않은 이메일 주소를 위한 것입니다.

# 폼 항목: 항목별 문제.
field-username-required = 사용자 이름을 입력하세요.
field-username-length = 사용자 이름은 3~32자여야 합니다.
field-username-characters = 사용자 이름에는 영문자 A–Z, 숫자, 마침표, 밑줄, 하이픈만 쓸 수 있습니다.
field-password-required = 비밀번호를 입력하세요.
field-password-short = 비밀번호는 { $min }자 이상이어야 합니다.
field-password-long = 비밀번호는 최대 { $max }바이트입니다 (지금 { $bytes }바이트, 한글 등 A–Z 밖의 글자는 한 글자에 2~4바이트).
field-password-has-username = 비밀번호에 사용자 이름을 넣을 수 없습니다.
field-password-guessable = 비밀번호가 너무 쉽게 추측됩니다. 흔하지 않은 단어 여러 개로 된 긴 문구를 써 보세요.
field-passwords-differ = 비밀번호가 서로 다릅니다.
field-current-password-required = 현재 비밀번호를 입력하세요.
field-current-password-wrong = 현재 비밀번호가 올바르지 않습니다.
field-email-long = 이메일 주소는 최대 { $max }자입니다.
field-email-invalid = name@example.com 같은 형식의 이메일 주소를 입력하세요.
