# 로그인 전후의 페이지.

field-label-username = 사용자 이름
field-label-password = 비밀번호
field-label-new-password = 새 비밀번호
field-label-new-password-confirm = 새 비밀번호 확인
field-new-password-hint = 8자 이상, 최대 72바이트. 긴 문구가 가장 좋으며 특수 문자는 필요 없습니다.

login-title = 로그인
login-lead = 다시 오신 것을 환영합니다. 계속하려면 로그인하세요.
login-remember = { $days ->
    [0] 로그인 상태 유지
   *[other] { $days }일 동안 로그인 상태 유지
}
login-submit = 로그인
login-passkey = 패스키로 로그인
login-forgot = 비밀번호를 잊으셨나요?
login-no-account = 계정이 없으신가요?

register-title = 계정 만들기
register-lead = 기억하기 쉬운 사용자 이름과 비밀번호를 정하세요.
register-username-hint = 3~32자: 영문자, 숫자, . _ -
register-password-confirm = 비밀번호 확인
register-email = 이메일 주소 (선택)
register-email-hint = 비밀번호를 잊었을 때 다시 들어오는 데와 보안 알림에만 씁니다. 확인 링크를 보내 드립니다.
register-submit = 계정 만들기
register-have-account = 이미 계정이 있으신가요?

logout-title = 로그아웃
logout-lead = 로그아웃하시겠습니까?
logout-cancel = 취소

forgot-title = 비밀번호 찾기
forgot-heading = 비밀번호를 잊으셨나요?
forgot-lead = 사용자 이름이나 이메일 주소를 입력하세요. 계정에 확인된 이메일 주소가 있으면 새 비밀번호를 정하는 링크를 그 주소로 보내 드립니다.
forgot-login = 사용자 이름 또는 이메일 주소
forgot-submit = 링크 보내기
forgot-remembered = 기억나셨나요?

reset-title = 새 비밀번호 정하기
reset-account = 계정:
reset-lead = 이 계정의 모든 세션이 로그아웃됩니다. 그다음 새 비밀번호로 로그인하세요.
reset-submit = 새 비밀번호 설정

link-title = 유효하지 않은 링크
link-heading = 이 링크는 쓸 수 없습니다
link-lead = 메일로 보낸 링크는 한 번만, 정해진 시간 동안만 쓸 수 있습니다.

second-step-title = 2단계 인증
second-step-heading = 코드를 입력하세요
second-step-lead = 인증 앱을 열고 session-auth에 표시된 6자리 코드를 입력하세요.
second-step-code = 앱에 표시된 코드
second-step-code-hint = 6자리 숫자이며 30초마다 바뀝니다.
second-step-lost-device = 기기를 잃어버리셨나요? 복구 코드를 쓰세요
second-step-recovery-code = 복구 코드
second-step-recovery-hint = 2단계 인증을 켤 때 저장한 코드 10개 중 하나입니다. 각 코드는 한 번만 쓸 수 있습니다.
second-step-recovery-submit = 복구 코드로 로그인
second-step-start-again = 처음부터 다시

dashboard-welcome = { $name }님, 대시보드에 오신 것을 환영합니다
dashboard-lead = 로그인되어 있습니다. 이 페이지는 로그인한 사용자에게만 보입니다.
dashboard-body = 세션은 서명되고 암호화된 쿠키에 저장됩니다. 계정 페이지에서 비밀번호를 바꾸거나, 다른 기기에서 로그아웃하거나, 계정을 삭제할 수 있습니다.
dashboard-to-account = 내 계정으로 가기
