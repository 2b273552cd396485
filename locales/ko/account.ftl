# 계정 영역: /account, 2단계 인증, 패스키, 세션, 보안 활동, 비밀번호 재확인.
# 코드가 이 페이지들을 위해 만드는 이름(기기, 로그인 방법, 이벤트)도 여기 있습니다.

## /account

account-title = 내 계정
account-username = 사용자 이름
account-created = 계정 생성일
account-last-login = 마지막 로그인
account-first-login = 없음 (이번이 첫 로그인입니다)
account-email-heading = 이메일 주소
account-email-verified = 확인됨
account-email-unverified = 확인 안 됨
account-email-open-link = 이 주소로 보낸 링크를 열어 주소를 확인하세요. 확인하기 전에는 비밀번호 재설정을 포함해 이 주소를 사용하지 않습니다.
account-email-resend = 링크 다시 보내기
account-email-none = 아직 등록된 주소가 없습니다. 확인된 주소가 있으면 잊어버린 비밀번호를 재설정하고 계정 보안 알림을 받을 수 있습니다.
account-email-new = 새 이메일 주소
account-email-new-hint = 주소를 삭제하려면 비워 두세요. 새 주소에는 확인 링크를 보냅니다.
account-current-password = 현재 비밀번호
account-email-save = 이메일 주소 저장
account-password-heading = 비밀번호 변경
account-password-others = 다른 세션은 모두 로그아웃되고, 이 세션은 로그인 상태로 유지됩니다.
account-new-password = 새 비밀번호
account-new-password-hint = 8자 이상, 72바이트 이하입니다. 긴 문구가 가장 좋으며 특수 문자는 필요 없습니다.
account-new-password-repeat = 새 비밀번호 확인
account-password-submit = 비밀번호 변경
account-twofa-heading = 2단계 인증
account-twofa-text = 비밀번호 다음에 인증 앱의 코드를 입력합니다. 기기를 잃어버렸을 때를 위한 복구 코드도 함께 드립니다.
account-twofa-manage = 2단계 인증 관리
account-passkeys-manage = 패스키 관리
account-sessions-heading = 세션
account-sessions-text = 이 계정에 로그인된 모든 브라우저와 기기를 확인하고, 쓰지 않는 것은 로그아웃하세요.
account-sessions-link = 내 세션
account-activity-link = 보안 활동
account-sessions-others = 다른 모든 브라우저와 기기에서 한 번에 로그아웃할 수도 있습니다. 이 세션은 로그인 상태로 유지됩니다.
account-logout-others = 다른 세션 로그아웃
account-delete-heading = 계정 삭제
account-delete-text = 계정과 계정의 데이터를 영구히 삭제합니다. 되돌릴 수 없습니다.
account-delete-password = 비밀번호로 확인
account-delete-submit = 계정 영구 삭제
account-back = 내 계정으로 돌아가기

## /account/2fa

twofa-title = 2단계 인증
twofa-off-lead = 비밀번호 다음에 인증 앱(Google Authenticator, 1Password, Aegis 등)의 코드를 입력합니다. 비밀번호를 도둑맞아도 그것만으로는 로그인할 수 없습니다.
twofa-setup-submit = 2단계 인증 설정
twofa-setup-lead = 인증 앱으로 이 코드를 스캔한 다음, 앱에 표시된 6자리 숫자를 입력하세요.
twofa-qr-label = 인증 앱에 등록할 비밀 키의 QR 코드
twofa-cannot-scan = 스캔할 수 없나요? 앱에 이 비밀 키를 직접 입력하세요:
twofa-code = 앱에 표시된 코드
twofa-turn-on = 켜기
twofa-now-on = 2단계 인증이 켜졌습니다.
twofa-codes-heading = 복구 코드
twofa-codes-keep = 휴대폰과 떨어진 안전한 곳에 보관하세요. 기기를 잃어버렸을 때 코드 하나로 한 번 로그인할 수 있습니다.
twofa-codes-once = 코드는 지금 한 번만 표시됩니다.
twofa-codes-saved = 저장했습니다
twofa-on-badge = 켜짐
twofa-on-lead = 로그인할 때 비밀번호 다음에 인증 앱의 코드가 필요합니다.
twofa-codes-left = 사용하지 않은 복구 코드가 { $count }개 남아 있습니다.
twofa-recovery-heading = 복구 코드
twofa-recovery-text = 새 코드 10개를 만듭니다. 이전 코드는 더 이상 쓸 수 없습니다.
twofa-recovery-submit = 새 복구 코드 만들기
twofa-off-heading = 끄기
twofa-off-code = 현재 코드 또는 아래의 복구 코드
twofa-off-recovery = 복구 코드
twofa-off-submit = 2단계 인증 끄기

## /account/passkeys

passkeys-title = 패스키
passkeys-lead = 패스키를 쓰면 기기의 화면 잠금이나 보안 키로 로그인합니다. 사용자 이름도 비밀번호도 필요 없고, 가짜 사이트가 훔쳐 갈 것도 없습니다.
passkeys-name = 이름
passkeys-added = 추가한 날
passkeys-last-used = 마지막 사용
passkeys-remove = 삭제
passkeys-never = 없음
passkeys-none = 아직 패스키가 없습니다.
passkeys-add-heading = 패스키 추가
passkeys-add-name = 이름 (예: 노트북, 휴대폰)
passkeys-add-submit = 패스키 추가
passkeys-off = 이 서버에서는 패스키를 쓸 수 없습니다. 서버 주소(PUBLIC_URL)가 IP 주소인데, 브라우저는 IP 주소에서 패스키를 허용하지 않습니다.
# static/js/passkeys.js가 표시하는 문구. { $name }과 { $status }는 그대로 두세요.
# 스크립트가 브라우저의 오류 이름과 HTTP 상태 코드로 바꿉니다.
passkeys-js-create-prompt = 브라우저의 안내에 따라 패스키를 만드세요…
passkeys-js-create-duplicate = 이 기기에는 이미 이 계정의 패스키가 있습니다.
passkeys-js-create-refused = 패스키를 만들지 않았습니다 ({ $name }).
passkeys-js-use-prompt = 브라우저의 안내에 따라 패스키를 사용하세요…
passkeys-js-use-refused = 패스키를 사용하지 않았습니다 ({ $name }).
passkeys-js-unsupported = 이 브라우저에서는 패스키를 만들 수 없습니다.
passkeys-js-server = 서버 응답: { $status }

## /account/sessions

sessions-title = 내 세션
sessions-lead = 이 계정에 로그인된 모든 브라우저와 기기입니다. 모르는 것이 있나요? 로그아웃한 다음 비밀번호를 변경하세요.
sessions-device = 기기
sessions-method = 로그인 방법
sessions-address = 주소
sessions-started = 시작
sessions-last-seen = 마지막 사용
sessions-logout = 로그아웃
sessions-this = 현재 세션
sessions-logout-this = 이 세션 로그아웃
sessions-none = 아직 표시할 세션이 없습니다. 세션 기록 전에 시작된 세션은 다음에 사용하면 몇 분 안에 나타납니다. 그래도 "다른 모든 세션 로그아웃"은 그 세션들까지 모두 끝냅니다.
sessions-logout-others = 다른 모든 세션 로그아웃
sessions-unknown-address = 알 수 없음
# 기기: 브라우저와 운영체제 이름은 그대로 둡니다("Firefox", "Linux").
sessions-device-browser-on-system = { $system }의 { $browser }
sessions-device-on-system = { $system }의 브라우저
sessions-device-unknown = 알 수 없는 기기

## 세션의 로그인 방법

account-method-password = 비밀번호
account-method-totp = 비밀번호 + 인증 앱 코드
account-method-recovery-code = 비밀번호 + 복구 코드
account-method-passkey = 패스키
account-method-unknown = 기록 없음

## /account/activity

activity-title = 보안 활동
activity-lead = 계정의 최근 보안 이벤트 50개를 최신순으로 보여 줍니다. 직접 하지 않은 일이 있나요? 비밀번호를 변경하고 모르는
activity-lead-link = 세션은 로그아웃하세요
activity-lead-end = .
activity-when = 시각
activity-what = 내용
activity-how = 방법
activity-address = 주소
activity-details = 세부 정보
activity-none = 아직 아무것도 없습니다.

activity-account-created = 계정 생성
activity-login-succeeded = 로그인
activity-login-failed = 로그인 실패
activity-locked-out = 로그인 실패가 너무 많아 잠시 잠김
activity-password-changed = 비밀번호 변경
activity-password-reset = 비밀번호 재설정
activity-email-changed = 이메일 주소 변경
activity-email-verified = 이메일 주소 확인
activity-two-factor-enabled = 2단계 인증 켬
activity-two-factor-disabled = 2단계 인증 끔
activity-recovery-codes-replaced = 새 복구 코드 생성
activity-passkey-added = 패스키 추가
activity-passkey-removed = 패스키 삭제
activity-session-ended = 세션 종료
activity-sessions-ended = 다른 세션 종료
activity-account-locked = 운영자가 계정을 잠금
activity-account-unlocked = 운영자가 계정 잠금을 해제

# 일부 이벤트가 남기는 세부 정보(영어로 저장되고, 읽는 사람의 언어로 표시).
activity-detail-logged-out = 로그아웃
activity-detail-account-locked = 계정이 잠겨 있음
activity-detail-by-operator = 운영자가 처리
activity-detail-email-changed = 변경
activity-detail-email-removed = 삭제

## /account/confirm

confirm-title = 본인 확인
confirm-lead = 로그인한 지 시간이 지나서, 이 변경에는 비밀번호를 다시 입력해야 합니다.
confirm-lead-passkeys = 로그인한 지 시간이 지나서, 이 변경에는 비밀번호(또는 패스키)를 다시 확인해야 합니다.
confirm-password = 비밀번호
confirm-submit = 확인
confirm-passkey = 패스키로 확인
