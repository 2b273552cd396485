# 알림(다음 페이지에 한 번 표시, 또는 JSON `message`)과 폼 전체의 문제.

notice-logged-out = 로그아웃되었습니다
notice-session-ended = 로그아웃됨: { $device }
notice-password-changed = 비밀번호가 변경되었습니다
notice-password-reset = 비밀번호가 변경되었습니다. 새 비밀번호로 로그인하세요
notice-account-deleted = 계정이 삭제되었습니다
notice-others-logged-out = 다른 모든 세션에서 로그아웃되었습니다
notice-2fa-off = 2단계 인증이 꺼져 있습니다
notice-email-verified = 이메일 주소가 확인되었습니다
notice-email-unchanged = 이미 확인된 주소입니다
notice-email-saved = 이메일 주소를 저장했습니다. 확인 링크를 { $address }(으)로 보냈습니다
notice-email-removed = 이메일 주소를 삭제했습니다
notice-email-already-verified = 이메일 주소가 이미 확인되었습니다
notice-reset-sent = 일치하는 계정이 있으면 링크를 보냈습니다
notice-confirmed = 확인되었습니다. 이제 변경할 수 있습니다
notice-passkey-removed = 패스키를 삭제했습니다

problem-2fa-already-on = 2단계 인증이 이미 켜져 있습니다.
problem-2fa-no-secret = 설정을 처음부터 다시 시작하세요. 코드를 기다리는 비밀 키가 없습니다.
problem-2fa-off = 먼저 2단계 인증을 켜세요.
problem-passkeys-off = 이 서버에서는 패스키를 쓸 수 없습니다. PUBLIC_URL이 IP 주소입니다.
problem-passkey-not-added = 패스키를 추가하지 못했습니다. 다시 시도하세요.

field-2fa-code-wrong = 코드가 맞지 않습니다. 앱에 지금 표시된 6자리 숫자를 입력하세요.
field-2fa-disable-code = 앱에 표시된 현재 코드나 복구 코드를 입력하세요.
field-delete-needs-password = 계정을 삭제하려면 현재 비밀번호를 입력하세요.
field-email-none = 먼저 이메일 주소를 추가하세요.
field-login-required = 사용자 이름이나 이메일 주소를 입력하세요.
field-passkey-name-required = 패스키 이름을 지어 주세요. 예: "노트북", "휴대폰".
field-passkey-name-long = 최대 { $max }자입니다.
field-passkey-name-control = 제어 문자는 쓸 수 없습니다.
field-passkey-duplicate = 이미 등록된 패스키입니다.

link-ask-again-account = 계정 페이지에서 새 링크 보내기
link-ask-again-reset = 새 링크 요청하기
notice-email-resent = { $address }(으)로 새 링크를 보냈습니다
notice-lang-chosen = 이제 한국어로 표시합니다
field-lang-unknown = 다음 중에서 고르세요: { $choices }
